package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.storage.state.RedisKeyState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis goes away under load (stopped and started again empty, or paused for 5 s): clients see no failure
 * while a key works, no request waits for Redis beyond its timeout, and the proxies end with one view.
 */
class TestSharedStateFaults {
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Far above the Redis timeout (250 ms) plus the fake upstream's time, far below the 5 s pause. */
    static final long SLOWEST_ALLOWED_MILLIS = 3000;

    @TempDir
    Path dir;
    RedisFixture redis;
    final List<ProxyHarness> proxies = new ArrayList<>();
    final AtomicBoolean loading = new AtomicBoolean();
    final AtomicInteger answered = new AtomicInteger();
    final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    final AtomicLong slowestMillis = new AtomicLong();
    ExecutorService clients;

    @BeforeEach
    void start() throws Exception {
        redis = RedisFixture.start();
        for (int i = 0; i < 2; i++) {
            Path own = Files.createDirectories(dir.resolve("proxy" + i));
            var upstream = proxies.isEmpty() ? null : proxies.get(0).upstream.base();
            proxies.add(ProxyHarness.shared(own, c -> upstream == null ? c : c.withUpstream(upstream),
                    TestSharedState.redisState(redis.url(), "f:"),
                    ProxyHarness.stateWith(KEY_A, KEY_B).withStrategy("round-robin")));
        }
        upstream().always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());
        for (ProxyHarness p : proxies) {
            assertThat(eventually(() -> p.proxy().sharedStatus().connected())).isTrue();
        }
    }

    @AfterEach
    void stop() throws Exception {
        loading.set(false);
        if (clients != null) {
            clients.shutdownNow();
            clients.awaitTermination(10, TimeUnit.SECONDS);
        }
        for (ProxyHarness p : proxies) {
            p.close();
        }
        redis.close();
    }

    FakeUpstream upstream() {
        return proxies.get(0).upstream;
    }

    /** Four clients sending requests to both proxies in turn until {@link #loading} is cleared. */
    void startLoad() {
        loading.set(true);
        clients = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            int first = t;
            clients.submit(() -> {
                int i = first;
                while (loading.get()) {
                    long started = System.nanoTime();
                    int status = proxies.get(i++ % 2).postMessage().statusCode();
                    slowestMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                    statuses.merge(status, 1, Integer::sum);
                    answered.incrementAndGet();
                }
                return null;
            });
        }
    }

    void loadFor(int moreAnswers) throws InterruptedException {
        int target = answered.get() + moreAnswers;
        assertThat(eventually(() -> answered.get() >= target)).isTrue();
    }

    int stopLoad() throws InterruptedException {
        loading.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        return answered.get();
    }

    boolean allConnected(boolean connected) {
        return proxies.stream().allMatch(p -> p.proxy().sharedStatus().connected() == connected);
    }

    @Test
    void redisStoppedAndStartedAgainLosesNoRequestAndTheProxiesConverge() throws Exception {
        startLoad();
        loadFor(40);
        redis.stop();
        assertThat(eventually(() -> allConnected(false))).isTrue();
        ProxyHarness first = proxies.get(0);
        assertThat(first.send(first.request("/_kimi/metrics").GET()).body())
                .containsPattern("(?m)^kimi_state_connected\\{backend=\"redis\"} 0");
        assertThat(JSON.readTree(first.send(first.request("/_kimi/status").GET()).body()).path("state")
                .path("connected").asBoolean(true)).isFalse();
        // A limit learnt while Redis is away reaches the other proxy when it is back.
        upstream().then(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "600"));
        loadFor(40);
        redis.restart();
        assertThat(eventually(() -> allConnected(true))).isTrue();
        loadFor(40);
        stopLoad();

        assertThat(statuses).containsOnlyKeys(200);
        assertThat(slowestMillis.get()).isLessThan(SLOWEST_ALLOWED_MILLIS);
        for (ProxyHarness p : proxies) {
            assertThat(eventually(() -> p.account(KEY_A).limitedUntil() > p.clock.millis())).isTrue();
        }
        assertThat(eventually(() -> sameView(KEY_A) && sameView(KEY_B))).isTrue();
    }

    @Test
    void redisPausedForFiveSecondsDelaysNoRequestAndCountsStayExact() throws Exception {
        startLoad();
        loadFor(40);
        long pausedAt = System.nanoTime();
        redis.pause();
        try {
            assertThat(eventually(() -> allConnected(false))).isTrue();
            // Redis stays frozen for 5 s while requests go on.
            assertThat(eventually(() -> System.nanoTime() - pausedAt >= TimeUnit.SECONDS.toNanos(5))).isTrue();
            assertThat(answered.get()).isGreaterThan(40);
        } finally {
            redis.unpause();
        }
        assertThat(eventually(() -> allConnected(true))).isTrue();
        loadFor(20);
        int total = stopLoad();

        assertThat(statuses).containsOnlyKeys(200);
        assertThat(slowestMillis.get()).isLessThan(SLOWEST_ALLOWED_MILLIS);
        RedisKeyState names = new RedisKeyState(redis.url(), null, "f:", null, proxies.get(0).policy,
                Duration.ofSeconds(1));
        try (names) {
            // Events held back during the pause, and those Redis ran late, each counted exactly once.
            assertThat(eventually(() -> storedTotal(names) == total)).as("requests counted in Redis").isTrue();
        }
        assertThat(eventually(() -> sameView(KEY_A) && sameView(KEY_B))).isTrue();
        assertThat(proxies.get(0).account(KEY_A).totalRequests() + proxies.get(0).account(KEY_B).totalRequests())
                .isEqualTo(total);
    }

    private long storedTotal(RedisKeyState names) {
        long n = 0;
        for (String k : List.of(KEY_A, KEY_B)) {
            String v = redis.commands().hget(names.hashOf(k), "tr");
            n += v == null ? 0 : Long.parseLong(v);
        }
        return n;
    }

    /** Both proxies show {@code key} with the same shared fields. */
    private boolean sameView(String key) {
        Account a = proxies.get(0).account(key);
        Account b = proxies.get(1).account(key);
        return a.healthScore() == b.healthScore() && a.limitedUntil() == b.limitedUntil()
                && a.totalRequests() == b.totalRequests() && a.successfulRequests() == b.successfulRequests()
                && a.disabled() == b.disabled() && a.dailyRequests().equals(b.dailyRequests());
    }
}
