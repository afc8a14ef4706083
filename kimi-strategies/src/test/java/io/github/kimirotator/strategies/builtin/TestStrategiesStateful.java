package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.testing.PoolActions;
import io.github.kimirotator.strategies.testing.PoolModel;
import io.github.kimirotator.strategies.testing.StrategyCheck;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.ActionChain;

/**
 * Every built-in strategy through the real selector and registry over random histories of the pool: the
 * eligibility rules and "none eligible" instants ({@code SelectionOracle}), {@code rotate} always moving, and
 * each strategy's own promise.
 */
class TestStrategiesStateful {

    @Property(tries = 300)
    void roundRobin(@ForAll("roundRobinChains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    @Property(tries = 300)
    void sticky(@ForAll("stickyChains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    @Property(tries = 300)
    void healthBased(@ForAll("healthBasedChains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    @Property(tries = 300)
    void sessionAffinity(@ForAll("sessionAffinityChains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    /** A name no strategy has (a file edited by hand): the selector falls back to health-based. */
    @Property(tries = 100)
    void unknownStrategyFallsBackToHealthBased(@ForAll("unknownChains") ActionChain<PoolModel> chain) {
        PoolActions.run(chain);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> roundRobinChains() {
        return chains(RoundRobinStrategy.NAME, RoundRobinCheck::new);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> stickyChains() {
        return chains(StickyStrategy.NAME, StickyCheck::new);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> healthBasedChains() {
        return chains(HealthBasedStrategy.NAME, HealthBasedCheck::new);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> sessionAffinityChains() {
        return chains(SessionAffinityStrategy.NAME, SessionAffinityCheck::new);
    }

    @Provide
    Arbitrary<ActionChain<PoolModel>> unknownChains() {
        return chains("no-such-strategy", HealthBasedCheck::new);
    }

    private static Arbitrary<ActionChain<PoolModel>> chains(String name, Supplier<StrategyCheck> check) {
        return PoolActions.chains(name, () -> new ServiceLoaderStrategyRegistry(List.of()), check);
    }
}
