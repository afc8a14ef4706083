package io.github.kimirotator.strategies;

import io.github.kimirotator.api.strategy.KeyView;
import java.time.Instant;
import java.util.Optional;

/** The {@link KeyView} the selector hands to strategies: plain values copied once per selection. */
record KeySnapshot(
        int index,
        String id,
        String name,
        int health,
        boolean disabled,
        Optional<Instant> limitedUntil,
        boolean eligible,
        Instant lastUsed,
        int inFlight,
        long totalRequests,
        long successfulRequests,
        long requestsToday) implements KeyView {

    /** Neither limited nor disabled: may be chosen when no key is eligible. */
    boolean usable() {
        return !disabled && limitedUntil.isEmpty();
    }
}
