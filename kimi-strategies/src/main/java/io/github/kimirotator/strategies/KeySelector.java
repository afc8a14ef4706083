package io.github.kimirotator.strategies;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.strategy.Selection;
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
     * Chooses a key for a request.
     *
     * @param state the current accounts state (its {@code effectiveStrategy()} is used)
     * @param excluded indices already tried for this request
     * @param sessionId the client's session, if any
     * @param inFlight in-flight requests per key id
     */
    Selection select(AccountsState state, Set<Integer> excluded, Optional<String> sessionId,
            ToIntFunction<String> inFlight);

    /**
     * As above, with the position in a rotation shared between proxies ({@link
     * io.github.kimirotator.api.strategy.SelectionRequest#turn()}); a selector that has no use for it ignores it.
     */
    default Selection select(AccountsState state, Set<Integer> excluded, Optional<String> sessionId,
            ToIntFunction<String> inFlight, OptionalLong turn) {
        return select(state, excluded, sessionId, inFlight);
    }

    /**
     * As above, with what the shared state adds: the shared turn and the key id the shared session table gives
     * for {@code sessionId} ({@link io.github.kimirotator.api.strategy.SelectionRequest#sharedSessionKeyId()}).
     */
    default Selection select(AccountsState state, Set<Integer> excluded, Optional<String> sessionId,
            ToIntFunction<String> inFlight, OptionalLong turn, Optional<String> sharedSessionKeyId) {
        return select(state, excluded, sessionId, inFlight, turn);
    }

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
