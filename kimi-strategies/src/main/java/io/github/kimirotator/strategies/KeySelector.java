package io.github.kimirotator.strategies;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The one place where eligibility is decided (contract section 4) and the strategy in force is asked. Keeps
 * one instance of each strategy, so stateful strategies (round-robin cursor, session map) work across calls.
 * Thread-safe: calls to the strategy are serialized.
 */
public interface KeySelector {

    /**
     * What a request brings to its selection besides the state: its session, and what a state shared between
     * proxies adds (the shared turn and the shared session table's key). One record, so that what is added later
     * goes here instead of into another overload.
     *
     * @param sessionId the client's session, if any
     * @param turn the position in a rotation shared between proxies ({@link SelectionRequest#turn()}); a
     *     selector that has no use for it ignores it
     * @param sharedSessionKeyId the key id the shared session table gives for {@code sessionId} ({@link
     *     SelectionRequest#sharedSessionKeyId()})
     */
    record Hints(Optional<String> sessionId, OptionalLong turn, Optional<String> sharedSessionKeyId) {
        /** No session, nothing shared. */
        public static final Hints NONE = new Hints(Optional.empty(), OptionalLong.empty(), Optional.empty());

        public Hints {
            sessionId = sessionId == null ? Optional.empty() : sessionId;
            turn = turn == null ? OptionalLong.empty() : turn;
            sharedSessionKeyId = sharedSessionKeyId == null ? Optional.empty() : sharedSessionKeyId;
        }

        /** Only the client's session. */
        public static Hints session(Optional<String> sessionId) {
            return new Hints(sessionId, OptionalLong.empty(), Optional.empty());
        }
    }

    /**
     * Chooses a key for a request.
     *
     * @param state the current accounts state (its {@code effectiveStrategy()} is used)
     * @param excluded indices already tried for this request
     * @param inFlight in-flight requests per key id
     * @param hints the request's session and what the shared state adds
     */
    Selection select(AccountsState state, Set<Integer> excluded, ToIntFunction<String> inFlight, Hints hints);

    /**
     * Chooses the key {@code rotate} switches to: never the active key while another key can be chosen.
     * {@link Selection.NoneEligible} when no other key can be chosen.
     */
    Selection rotate(AccountsState state);

    /**
     * The names of the strategies this selector can use (what {@code set-strategy} accepts); empty when it
     * cannot tell, and then nothing may switch to another strategy through it.
     */
    default Set<String> strategyNames() {
        return Set.of();
    }
}
