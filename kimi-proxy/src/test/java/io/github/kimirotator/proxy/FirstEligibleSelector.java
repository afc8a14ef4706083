package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/**
 * A {@link KeySelector} that takes the first eligible key not excluded, else the first low-health one; it
 * remembers the sessions it was given.
 */
final class FirstEligibleSelector implements KeySelector {
    private final HealthPolicy policy;
    private final List<Optional<String>> sessions = new CopyOnWriteArrayList<>();

    FirstEligibleSelector(HealthPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Selection select(AccountsState state, Set<Integer> excluded, Optional<String> sessionId,
            ToIntFunction<String> inFlight) {
        sessions.add(sessionId);
        Optional<Integer> choice = first(state, excluded, KeyStatus.ACTIVE)
                .or(() -> first(state, excluded, KeyStatus.LOW_HEALTH));
        if (choice.isPresent()) {
            return new Selection.Chosen(choice.get());
        }
        Optional<Instant> soonest = Optional.empty();
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            if (!excluded.contains(i) && policy.status(a) == KeyStatus.LIMITED && !a.disabled()) {
                Instant until = Instant.ofEpochMilli(a.limitedUntil());
                soonest = soonest.isEmpty() || until.isBefore(soonest.get()) ? Optional.of(until) : soonest;
            }
        }
        return new Selection.NoneEligible(soonest);
    }

    @Override
    public Selection rotate(AccountsState state) {
        return first(state, Set.of(state.safeActiveIndex()), KeyStatus.ACTIVE)
                .<Selection>map(Selection.Chosen::new)
                .orElse(new Selection.NoneEligible(Optional.empty()));
    }

    List<Optional<String>> sessions() {
        return sessions;
    }

    private Optional<Integer> first(AccountsState state, Set<Integer> excluded, KeyStatus wanted) {
        for (int i = 0; i < state.accounts().size(); i++) {
            if (!excluded.contains(i) && policy.status(state.accounts().get(i)) == wanted) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
