package io.github.kimirotator.strategies;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.builtin.HealthBasedStrategy;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.MutableClock;
import io.github.kimirotator.strategies.testing.MapStrategyRegistry;
import io.github.kimirotator.strategies.testing.RecordingRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class TestDefaultKeySelector {
    static final Instant NOW = Instant.parse("2026-03-01T23:30:00Z");

    final MutableClock clock = MutableClock.at(NOW, ZoneOffset.ofHours(14));
    final HealthPolicy policy = new HealthPolicy(clock);

    static Account key(int n) {
        return Account.newKey(String.format("sk-kimi-selector%06d", n), "Account " + n,
                NOW.minusSeconds(3600).toEpochMilli());
    }

    static AccountsState pool(String strategy, int activeIndex, Account... accounts) {
        return AccountsState.empty().withAccounts(List.of(accounts)).withStrategy(strategy)
                .withActiveIndex(activeIndex);
    }

    static Account limitedFor(Account a, Duration d) {
        return a.toBuilder().rateLimitResetTime(NOW.plus(d).toEpochMilli()).build();
    }

    static Account health(Account a, int health) {
        return a.toBuilder().healthScore(health).build();
    }

    static Account disabled(Account a) {
        return a.toBuilder().disabled(true).build();
    }

    /** A registry whose only strategy, "first", records what it was given and picks the first candidate. */
    static final class Spy {
        final List<SelectionRequest> requests = new ArrayList<>();
        final RecordingRegistry registry = new RecordingRegistry(new MapStrategyRegistry(Map.of(
                "first", () -> r -> {
                    requests.add(r);
                    return r.candidates().get(0);
                },
                AccountsState.DEFAULT_STRATEGY, HealthBasedStrategy::new)));
    }

    DefaultKeySelector selector(StrategyRegistry registry) {
        return new DefaultKeySelector(registry, policy);
    }

    Selection select(DefaultKeySelector selector, AccountsState state, Set<Integer> excluded) {
        return selector.select(state, excluded, id -> 0, KeySelector.Hints.NONE);
    }

    @Test
    void candidatesAreTheEligibleKeysNotExcluded() {
        Spy spy = new Spy();
        AccountsState state = pool("first", 0, key(0), limitedFor(key(1), Duration.ofMinutes(1)), disabled(key(2)),
                health(key(3), 29), key(4), key(5));

        Selection s = select(selector(spy.registry), state, Set.of(0));

        assertThat(s).isEqualTo(new Selection.Chosen(4));
        assertThat(spy.requests.get(0).candidates()).extracting(KeyView::index).containsExactly(4, 5);
        assertThat(spy.requests.get(0).keys()).hasSize(6);
    }

    @Test
    void lowHealthKeysOnlyWhenNoKeyIsEligible() {
        Spy spy = new Spy();
        AccountsState state = pool("first", 0, health(key(0), 10), limitedFor(key(1), Duration.ofMinutes(1)),
                health(key(2), 29), key(3));

        assertThat(select(selector(spy.registry), state, Set.of(3))).isEqualTo(new Selection.Chosen(0));
        assertThat(spy.requests.get(0).candidates()).extracting(KeyView::index).containsExactly(0, 2);
    }

    @Test
    void noneEligibleTellsWhenTheSoonestKeyFreesUp() {
        Spy spy = new Spy();
        AccountsState state = pool("first", 0, limitedFor(key(0), Duration.ofMinutes(5)),
                limitedFor(key(1), Duration.ofMinutes(2)), disabled(limitedFor(key(2), Duration.ofSeconds(10))),
                limitedFor(key(3), Duration.ofSeconds(30)), key(4));

        Selection s = select(selector(spy.registry), state, Set.of(3, 4));

        assertThat(s).as("disabled and excluded keys do not count")
                .isEqualTo(new Selection.NoneEligible(Optional.of(NOW.plus(Duration.ofMinutes(2)))));
        assertThat(spy.requests).as("the strategy is not asked").isEmpty();
    }

    @Test
    void noneEligibleWithoutATimeWhenNothingFreesUpByItself() {
        DefaultKeySelector selector = selector(new Spy().registry);

        assertThat(select(selector, pool("first", 0), Set.of()))
                .isEqualTo(new Selection.NoneEligible(Optional.empty()));
        assertThat(select(selector, pool("first", 0, disabled(key(0)), disabled(key(1))), Set.of()))
                .isEqualTo(new Selection.NoneEligible(Optional.empty()));
    }

    @Test
    void theViewShowsEachKeyAsItIs() {
        Spy spy = new Spy();
        Account used = key(0).toBuilder().totalRequests(12).successfulRequests(9).lastUsed(NOW.toEpochMilli() - 5000)
                .dailyRequests(new TreeMap<>(Map.of("2026-03-01", 7L, "2026-03-02", 99L))).build();
        AccountsState state = pool("first", 1, used, limitedFor(key(1), Duration.ofSeconds(90)));

        selector(spy.registry).select(state, Set.of(), id -> id.equals(ApiKeys.id(used.key())) ? 3 : 0,
                KeySelector.Hints.session(Optional.of("ses_1")));

        SelectionRequest r = spy.requests.get(0);
        assertThat(r.now()).isEqualTo(NOW);
        assertThat(r.activeIndex()).isEqualTo(1);
        assertThat(r.sessionId()).contains("ses_1");
        KeyView v = r.keys().get(0);
        assertThat(v.id()).isEqualTo(ApiKeys.id(used.key())).startsWith("k-");
        assertThat(v.name()).isEqualTo("Account 0");
        assertThat(v.eligible()).isTrue();
        assertThat(v.inFlight()).isEqualTo(3);
        assertThat(v.totalRequests()).isEqualTo(12);
        assertThat(v.successfulRequests()).isEqualTo(9);
        assertThat(v.lastUsed()).isEqualTo(NOW.minusSeconds(5));
        assertThat(v.requestsToday()).as("the UTC day, not the clock's zone (+14, already March 2nd)").isEqualTo(7);
        KeyView limited = r.keys().get(1);
        assertThat(limited.eligible()).isFalse();
        assertThat(limited.limitedUntil()).contains(NOW.plusSeconds(90));
        assertThat(v.limitedUntil()).isEmpty();
    }

    @Test
    void theSelectorDoesNotRecoverHealthItself() {
        Spy spy = new Spy();
        Account tired = health(key(0), 20).toBuilder()
                .lastPenaltyAt(NOW.minus(Duration.ofDays(1)).toEpochMilli()).build();
        AccountsState state = pool("first", 0, tired, disabled(key(1)));

        select(selector(spy.registry), state, Set.of());

        assertThat(spy.requests.get(0).keys().get(0).health()).as("callers apply autoRecover first").isEqualTo(20);
        assertThat(policy.autoRecover(state).accounts().get(0).healthScore()).isEqualTo(100);
    }

    @Test
    void keepsOneInstancePerStrategySoItsStateLasts() {
        RecordingRegistry registry = new RecordingRegistry(new ServiceLoaderStrategyRegistry(List.of()));
        DefaultKeySelector selector = selector(registry);
        AccountsState state = pool("round-robin", 0, key(0), key(1), key(2));

        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            chosen.add(((Selection.Chosen) select(selector, state, Set.of())).index());
        }

        assertThat(chosen).containsExactly(1, 2, 0, 1, 2, 0);
        assertThat(registry.created()).isEqualTo(1);
    }

    @Test
    void theStrategyInForceIsReadFromEachState() {
        RecordingRegistry registry = new RecordingRegistry(new ServiceLoaderStrategyRegistry(List.of()));
        DefaultKeySelector selector = selector(registry);
        AccountsState sticky = pool("sticky", 1, key(0), key(1), key(2));

        assertThat(select(selector, sticky, Set.of())).isEqualTo(new Selection.Chosen(1));
        assertThat(select(selector, sticky.withStrategy("round-robin"), Set.of())).isEqualTo(new Selection.Chosen(2));
        assertThat(select(selector, sticky, Set.of())).isEqualTo(new Selection.Chosen(1));
        assertThat(registry.created()).isEqualTo(2);
    }

    @Test
    void anUnknownStrategyFallsBackToHealthBased() {
        RecordingRegistry registry = new RecordingRegistry(new ServiceLoaderStrategyRegistry(List.of()));
        List<String> warnings = new ArrayList<>();
        DefaultKeySelector selector = new DefaultKeySelector(registry, policy, warnings::add);
        AccountsState state = pool("gone-plugin", 0, health(key(0), 40), key(1));

        assertThat(select(selector, state, Set.of())).as("health-based: 60 points better")
                .isEqualTo(new Selection.Chosen(1));
        assertThat(select(selector, state, Set.of())).isEqualTo(new Selection.Chosen(1));
        assertThat(registry.created()).isEqualTo(1);
        assertThat(warnings).as("said once, to the sink the selector was given")
                .containsExactly("strategy 'gone-plugin' is not installed (no plugin provides it); using health-based");
    }

    @Test
    void aStrategyThatCannotBeCreatedFallsBackToHealthBased() {
        Map<String, Supplier<RotationStrategy>> strategies = Map.of(
                "broken", () -> {
                    throw new KimiException(ErrorCode.PLUGIN_ERROR, "strategy 'broken' could not be created");
                },
                AccountsState.DEFAULT_STRATEGY, HealthBasedStrategy::new);
        DefaultKeySelector selector = selector(new MapStrategyRegistry(strategies));

        assertThat(select(selector, pool("broken", 0, health(key(0), 40), key(1)), Set.of()))
                .isEqualTo(new Selection.Chosen(1));
    }

    @Test
    void aChoiceThatIsNotACandidateOrAThrowIsReplacedByTheFirstCandidate() {
        Map<String, Supplier<RotationStrategy>> strategies = Map.of(
                "outside", () -> r -> r.keys().get(0),
                "nothing", () -> r -> null,
                "throws", () -> r -> {
                    throw new IllegalStateException("bug");
                });
        DefaultKeySelector selector = selector(new MapStrategyRegistry(strategies));
        Account[] keys = {disabled(key(0)), key(1), key(2)};

        for (String name : List.of("outside", "nothing", "throws")) {
            assertThat(select(selector, pool(name, 2, keys), Set.of())).as(name).isEqualTo(new Selection.Chosen(1));
        }
    }

    @Test
    void rotateNeverReturnsTheActiveKeyWhileAnotherCanBeChosen() {
        DefaultKeySelector selector = selector(new ServiceLoaderStrategyRegistry(List.of()));
        AccountsState state = pool("health-based", 1, health(key(0), 50), key(1), health(key(2), 40));

        assertThat(selector.rotate(state)).as("the seed's health-based stayed on the healthiest key")
                .isEqualTo(new Selection.Chosen(0));
        assertThat(selector.rotate(pool("sticky", 0, key(0), disabled(key(1)),
                limitedFor(key(2), Duration.ofMinutes(3)))))
                .isEqualTo(new Selection.NoneEligible(Optional.of(NOW.plus(Duration.ofMinutes(3)))));
        assertThat(selector.rotate(pool("sticky", 0, key(0)))).isEqualTo(new Selection.NoneEligible(Optional.empty()));
        assertThat(selector.rotate(pool("sticky", 0))).isEqualTo(new Selection.NoneEligible(Optional.empty()));
    }

    @Test
    void callsToTheStrategyAreSerialized() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        RotationStrategy watcher = r -> {
            if (inside.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            for (int i = 0; i < 1000; i++) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
            return r.candidates().get(0);
        };
        DefaultKeySelector selector = selector(new MapStrategyRegistry(Map.of("watcher", () -> watcher)));
        AccountsState state = pool("watcher", 0, key(0), key(1));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        select(selector, state, Set.of());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(overlapped).isFalse();
    }
}
