package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A hand-made {@link KeyView} for unit tests of strategies: an eligible, healthy, idle key unless changed. */
public record TestKey(
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

    public static TestKey key(int index) {
        return new TestKey(index, "k-0000000" + index, "Account " + index, 100, false, Optional.empty(), true,
                Instant.EPOCH, 0, 0, 0, 0);
    }

    public TestKey health(int h) {
        return new TestKey(index, id, name, h, disabled, limitedUntil, eligible, lastUsed, inFlight,
                totalRequests, successfulRequests, requestsToday);
    }

    public TestKey lastUsed(Instant at) {
        return new TestKey(index, id, name, health, disabled, limitedUntil, eligible, at, inFlight,
                totalRequests, successfulRequests, requestsToday);
    }

    public TestKey inFlight(int n) {
        return new TestKey(index, id, name, health, disabled, limitedUntil, eligible, lastUsed, n,
                totalRequests, successfulRequests, requestsToday);
    }

    public TestKey requestsToday(long n) {
        return new TestKey(index, id, name, health, disabled, limitedUntil, eligible, lastUsed, inFlight,
                totalRequests, successfulRequests, n);
    }

    /** A request whose keys are exactly its candidates. */
    public static SelectionRequest request(int activeIndex, Optional<String> session, Instant now,
            KeyView... candidates) {
        return new SelectionRequest(List.of(candidates), List.of(candidates), activeIndex, session, now);
    }

    /** A request without a session at the epoch. */
    public static SelectionRequest request(int activeIndex, KeyView... candidates) {
        return request(activeIndex, Optional.empty(), Instant.EPOCH, candidates);
    }
}
