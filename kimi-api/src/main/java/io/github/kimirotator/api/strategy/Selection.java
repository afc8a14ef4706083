package io.github.kimirotator.api.strategy;

import java.time.Instant;
import java.util.Optional;

/** The outcome of choosing a key for a request: a key, or none with when to try again. */
public sealed interface Selection {

    /** Use the key at {@code index}. */
    record Chosen(int index) implements Selection {
    }

    /**
     * No key may be used now. {@code soonestFree} is when the first limited key frees up; empty when no key
     * will free up by itself (no keys, or every key disabled).
     */
    record NoneEligible(Optional<Instant> soonestFree) implements Selection {
        public NoneEligible {
            soonestFree = soonestFree == null ? Optional.empty() : soonestFree;
        }
    }
}
