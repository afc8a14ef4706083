package io.github.kimirotator.proxy;

import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.FileKeyState;
import io.github.kimirotator.storage.state.RedisKeyState;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Stateful properties of the key-state backends. The contract both backends keep: the events a proxy records
 * give the state that applying them one by one gives. And for Redis, with three proxies on one Redis: random
 * events from random proxies, and clear-limits from any of them, end in that same state in every proxy's view.
 */
class TestSharedStateProperties {
    static final Instant START = Instant.parse("2026-03-10T22:30:00Z");
    static RedisFixture redis;
    static MutableClock clock;
    static List<KeyStateBackend> redisProxies;
    static KeyStateBackend fileBackend;

    @BeforeContainer
    static void start() throws Exception {
        redis = RedisFixture.start();
        clock = new MutableClock(START);
        HealthPolicy policy = new HealthPolicy(clock);
        redisProxies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            redisProxies.add(new RedisKeyState(redis.url(), null, "p:", "team-secret", policy, Duration.ofSeconds(2)));
        }
        fileBackend = new FileKeyState(clock);
    }

    @AfterContainer
    static void stop() {
        if (redisProxies != null) {
            redisProxies.forEach(KeyStateBackend::close);
        }
        if (redis != null) {
            redis.close();
        }
    }

    enum Backend {
        FILE, REDIS
    }

    @Property(tries = 25)
    void eachBackendGivesTheStateOfApplyingTheEventsOneByOne(@ForAll Backend backend,
            @ForAll("oneProxyChains") ActionChain<SharedStateModel> chain) {
        chain.withInvariant(SharedStateModel::check).run();
    }

    @Property(tries = 25)
    void eventsFromRandomProxiesOnOneRedisEndInTheStateOfApplyingThemOneByOne(
            @ForAll("threeProxyChains") ActionChain<SharedStateModel> chain) {
        chain.withInvariant(SharedStateModel::check).run();
    }

    @Provide
    Arbitrary<ActionChain<SharedStateModel>> oneProxyChains(@ForAll Backend backend) {
        return chains(() -> List.of(backend == Backend.FILE ? fileBackend : redisProxies.get(0)), backend == Backend.REDIS);
    }

    @Provide
    Arbitrary<ActionChain<SharedStateModel>> threeProxyChains() {
        return chains(() -> redisProxies, true);
    }

    private static Arbitrary<ActionChain<SharedStateModel>> chains(Supplier<List<KeyStateBackend>> proxies,
            boolean clears) {
        Arbitrary<Integer> proxy = Arbitraries.integers().between(0, 2);
        Arbitrary<Integer> key = Arbitraries.integers().between(0, 1);
        Arbitrary<Integer> health = Arbitraries.integers().between(0, 100);
        var chain = ActionChain.<SharedStateModel>startWith(
                        () -> new SharedStateModel(clock, proxies.get(), health.sample(), health.sample()))
                .withAction(8, (Action.Independent<SharedStateModel>) () -> net.jqwik.api.Combinators
                        .combine(proxy, key, events())
                        .as((p, k, e) -> Transformer.mutate("proxy " + p + " key " + k + ": " + e,
                                m -> m.event(p, k, e))))
                .withAction(3, (Action.Independent<SharedStateModel>) () -> moves()
                        .map(d -> Transformer.mutate("wait " + d, m -> m.advance(d))));
        if (clears) {
            chain = chain.withAction(1, (Action.Independent<SharedStateModel>) () -> net.jqwik.api.Combinators
                    .combine(proxy, key).as((p, k) -> Transformer.mutate("proxy " + p + " clears key " + k,
                            m -> m.clearLimits(p, k))));
        }
        return chain.withMaxTransformations(25);
    }

    private static Arbitrary<Duration> moves() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(0, 120).map(Duration::ofSeconds)),
                Tuple.of(3, Arbitraries.longs().between(1, 240).map(Duration::ofMinutes)),
                Tuple.of(1, Arbitraries.longs().between(1, 40).map(Duration::ofDays)));
    }

    private static Arbitrary<HealthEvent> events() {
        Arbitrary<Optional<Duration>> retryAfter = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(Optional.empty())),
                Tuple.of(6, Arbitraries.longs().between(-60, 2 * 86_400).map(s -> Optional.of(Duration.ofSeconds(s)))),
                Tuple.of(1, Arbitraries.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(365 * 1000))
                        .map(Optional::of)));
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.longs().between(0, 600_000).map(HealthEvent.Success::new)),
                Tuple.of(2, retryAfter.map(HealthEvent.RateLimited::new)),
                Tuple.of(2, Arbitraries.of(true, false).map(HealthEvent.BillingLimit::new)),
                Tuple.of(1, Arbitraries.just(new HealthEvent.MembershipRefused())),
                Tuple.of(1, Arbitraries.of(401, 403).map(HealthEvent.KeyRejected::new)),
                Tuple.of(2, Arbitraries.of("upstream status 502", "timeout").map(HealthEvent.Failure::new)),
                Tuple.of(3, Arbitraries.longs().between(0, 5_000).list().ofSize(4).map(t -> new HealthEvent.TokensUsed(
                        new io.github.kimirotator.api.TokenUsage(t.get(0), t.get(1), t.get(2), t.get(3))))));
    }
}
