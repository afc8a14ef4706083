package io.github.kimirotator.api.strategy;

/**
 * Chooses the key for the next request.
 *
 * <p>What a strategy may rely on: {@link #choose} is never called concurrently on one instance, so a
 * strategy may keep plain mutable state (a cursor, a session map); {@code request.candidates()} is never
 * empty and already obeys the eligibility rules; time comes only from {@code request.now()}.
 *
 * <p>What it must guarantee: return one of {@code request.candidates()}, quickly, without I/O and without
 * throwing. A result that is not a candidate is treated as a bug: the caller logs it and uses the first
 * candidate instead.
 */
public interface RotationStrategy {

    /** The key to use; must be an element of {@code request.candidates()}. */
    KeyView choose(SelectionRequest request);
}
