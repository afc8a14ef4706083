package io.github.kimirotator.api.strategy;

import java.time.Instant;
import java.util.Optional;

/**
 * A read-only view of one key at the moment of a selection. It never exposes the key itself.
 * Values are a snapshot: they do not change while a strategy looks at them.
 */
public interface KeyView {

    /** The key's 0-based position in the accounts file; this is what a strategy returns. */
    int index();

    /** {@code k-} plus eight hex digits: stable across restarts and index changes. */
    String id();

    /** The user's name for the key. */
    String name();

    /** Health, 0 to 100. */
    int health();

    /** Whether the key is disabled (rejected by the upstream) until {@code clear-limits}. */
    boolean disabled();

    /** When a running rate or billing limit ends; empty when the key is not limited now. */
    Optional<Instant> limitedUntil();

    /** Whether the key may be chosen in the normal course: not limited, not disabled, health at least 30. */
    boolean eligible();

    /** When the key was last used; {@link Instant#EPOCH} when never. */
    Instant lastUsed();

    /** Requests sent with this key that have not finished yet (0 outside the proxy). */
    int inFlight();

    long totalRequests();

    long successfulRequests();

    /** Requests on the current UTC day. */
    long requestsToday();
}
