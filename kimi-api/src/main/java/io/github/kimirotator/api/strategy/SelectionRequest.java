package io.github.kimirotator.api.strategy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a strategy is given to choose from.
 *
 * @param keys every key of the pool, in index order (including ones that may not be chosen)
 * @param candidates the keys the strategy may choose from, in index order; never empty. The caller has
 *     already applied the eligibility rules (contract section 4) and removed keys that were tried for this
 *     request or, for {@code rotate}, the current key. They are all eligible, or, when no key is, all are
 *     neither limited nor disabled (low health only).
 * @param activeIndex the current active key's index; may be absent from {@code candidates}
 * @param sessionId the client's session (contract section 5), empty when the request has none or this
 *     is not a request (e.g. {@code rotate})
 * @param now the time of the selection; strategies must not read a clock of their own
 * @param turn a position in a rotation shared by every proxy using the same shared state (contract: one
 *     round-robin counter for all of them), increasing by one per selection across all of them; empty when
 *     there is no shared state or it cannot be reached, and a strategy then keeps its own position
 * @param sharedSessionKeyId the id of the key that the session table shared by every proxy using the same shared
 *     state sends {@code sessionId} to (it may not be a candidate now); empty when there is no shared state, the
 *     table does not know the session, or it cannot be reached. A strategy that keeps sessions on keys should
 *     prefer it to its own memory, so that all proxies send one session to one key.
 */
public record SelectionRequest(
        List<KeyView> keys,
        List<KeyView> candidates,
        int activeIndex,
        Optional<String> sessionId,
        Instant now,
        OptionalLong turn,
        Optional<String> sharedSessionKeyId) {

    public SelectionRequest {
        keys = List.copyOf(keys);
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("candidates must not be empty");
        }
        sessionId = sessionId == null ? Optional.empty() : sessionId;
        Objects.requireNonNull(now, "now");
        turn = turn == null ? OptionalLong.empty() : turn;
        sharedSessionKeyId = sharedSessionKeyId == null ? Optional.empty() : sharedSessionKeyId;
    }

    /** A request without a shared session table. */
    public SelectionRequest(List<KeyView> keys, List<KeyView> candidates, int activeIndex,
            Optional<String> sessionId, Instant now, OptionalLong turn) {
        this(keys, candidates, activeIndex, sessionId, now, turn, Optional.empty());
    }

    /** A request without a shared turn. */
    public SelectionRequest(List<KeyView> keys, List<KeyView> candidates, int activeIndex,
            Optional<String> sessionId, Instant now) {
        this(keys, candidates, activeIndex, sessionId, now, OptionalLong.empty(), Optional.empty());
    }
}
