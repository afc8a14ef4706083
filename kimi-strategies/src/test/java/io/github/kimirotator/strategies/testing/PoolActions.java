package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random histories of a key pool for jqwik stateful properties: keys added and removed, successes, 429s,
 * billing and membership refusals, rejected keys, failures, cleared limits, recovery, time passing, in-flight
 * changes, and selections and rotations checked after every step. Usable by any strategy, built-in or plugin:
 *
 * <pre>{@code
 * @Property
 * void holds(@ForAll("chains") ActionChain<PoolModel> chain) { PoolActions.run(chain); }
 *
 * @Provide
 * Arbitrary<ActionChain<PoolModel>> chains() {
 *     return PoolActions.chains("my-strategy", () -> new ServiceLoaderStrategyRegistry(List.of()), MyCheck::new);
 * }
 * }</pre>
 */
public final class PoolActions {
    private static final Arbitrary<Integer> KEY = Arbitraries.integers().between(0, 15);
    private static final Arbitrary<Optional<String>> SESSION =
            Arbitraries.of("ses_a", "ses_b", "ses_c", "ses_d").optional(0.7);

    private PoolActions() {
    }

    /**
     * Runs the chain, checking every step, and records which {@link PoolModel#SITUATIONS} it went through: the
     * property fails unless each situation came up in at least 10% of its tries, so no invariant is checked in
     * vain.
     */
    public static void run(ActionChain<PoolModel> chain) {
        Set<String> seen = chain.run().situations();
        for (String situation : PoolModel.SITUATIONS) {
            Statistics.label(situation).collect(seen.contains(situation));
            Statistics.label(situation).coverage(c -> c.check(true).percentage(p -> p >= 10));
        }
    }

    /** Chains that start with three fresh keys and the strategy {@code strategy} in force. */
    public static ActionChainArbitrary<PoolModel> chains(String strategy,
            Supplier<? extends StrategyRegistry> registry, Supplier<? extends StrategyCheck> check) {
        return ActionChain.<PoolModel>startWith(() -> new PoolModel(strategy, registry.get(), check.get(), 3))
                .withAction(2, Action.just("add key", Transformer.mutate("add key", PoolModel::addKey)))
                .withAction(1, onKey("remove key", PoolModel::removeKey))
                .withAction(5, onKey("success", (m, k) -> m.event(k, new HealthEvent.Success(120))))
                .withAction(2, rateLimited())
                .withAction(1, billing())
                .withAction(1, onKey("membership refused", (m, k) -> m.event(k, new HealthEvent.MembershipRefused())))
                .withAction(1, keyRejected())
                .withAction(3, failures())
                .withAction(1, onKey("clear limits", PoolModel::clearLimits))
                .withAction(1, onKey("use key", PoolModel::useKey))
                .withAction(1, Action.just("recover", Transformer.mutate("recover", PoolModel::recover)))
                .withAction(3, advanceClock())
                .withAction(2, inFlight())
                .withAction(8, select())
                .withAction(3, selectBurst())
                .withAction(2, Action.just("rotate", Transformer.mutate("rotate", PoolModel::rotate)))
                .withMaxTransformations(60);
    }

    private static Action.Independent<PoolModel> onKey(String what, BiConsumer<PoolModel, Integer> change) {
        return () -> KEY.map(k -> Transformer.mutate(what + " #" + k, m -> change.accept(m, k)));
    }

    private static Action.Independent<PoolModel> rateLimited() {
        Arbitrary<Optional<Duration>> retryAfter = Arbitraries.integers().between(0, 7200)
                .map(s -> Duration.ofSeconds(s)).optional(0.6);
        return () -> KEY.flatMap(k -> retryAfter.map(r -> Transformer.mutate("429 #" + k + " retry-after " + r,
                m -> m.event(k, new HealthEvent.RateLimited(r)))));
    }

    private static Action.Independent<PoolModel> billing() {
        return () -> KEY.flatMap(k -> Arbitraries.of(true, false).map(soft -> Transformer.mutate(
                "billing #" + k + (soft ? " soft" : " hard"), m -> m.event(k, new HealthEvent.BillingLimit(soft)))));
    }

    private static Action.Independent<PoolModel> keyRejected() {
        return () -> KEY.flatMap(k -> Arbitraries.of(401, 403).map(status -> Transformer.mutate(
                "rejected #" + k + " " + status, m -> m.event(k, new HealthEvent.KeyRejected(status)))));
    }

    /** 5xx answers in a row: the way a key ends up with low health but no limit. */
    private static Action.Independent<PoolModel> failures() {
        return () -> KEY.flatMap(k -> Arbitraries.integers().between(1, 4).map(n -> Transformer.mutate(
                n + " failures #" + k, m -> {
                    for (int i = 0; i < n; i++) {
                        m.event(k, new HealthEvent.Failure("upstream status 502"));
                    }
                })));
    }

    private static Action.Independent<PoolModel> advanceClock() {
        Arbitrary<Duration> step = Arbitraries.oneOf(
                Arbitraries.integers().between(1, 120).map(s -> Duration.ofSeconds(s)),
                Arbitraries.integers().between(1, 90).map(min -> Duration.ofMinutes(min)),
                Arbitraries.integers().between(1, 30).map(h -> Duration.ofHours(h)));
        return () -> step.map(d -> Transformer.mutate("clock +" + d, m -> m.advance(d)));
    }

    private static Action.Independent<PoolModel> inFlight() {
        return () -> KEY.flatMap(k -> Arbitraries.integers().between(0, 4).map(n -> Transformer.mutate(
                "in flight #" + k + " = " + n, m -> m.setInFlight(k, n))));
    }

    private static Action.Independent<PoolModel> select() {
        Arbitrary<Set<Integer>> excluded = KEY.set().ofMaxSize(3);
        return () -> excluded.flatMap(ex -> SESSION.flatMap(s -> Arbitraries.of(true, false).map(activate ->
                Transformer.mutate("select excluding " + ex + " session " + s.orElse("-")
                        + (activate ? " and activate" : ""), m -> m.select(ex, s, activate)))));
    }

    /** Several plain requests in a row: what fairness and stability are about. */
    private static Action.Independent<PoolModel> selectBurst() {
        return () -> Arbitraries.integers().between(2, 12).flatMap(n -> SESSION.map(s -> Transformer.mutate(
                n + " selections, session " + s.orElse("-"), m -> {
                    for (int i = 0; i < n; i++) {
                        m.select(Set.of(), s, false);
                    }
                })));
    }
}
