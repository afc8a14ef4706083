package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three answers of contract section 3 when no key can serve, the bounded wait, and the per-key cap. */
class TestNoKeyAnswers {
    @TempDir
    Path dir;

    @Test
    void noKeysAt503TellsToAddOne() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir)) {
            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"type\":\"error\"").contains("\"api_error\"")
                    .contains("kimi-rotator add-key");
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void everyKeyDisabledIs503TellingToClearLimits() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.store.update(s -> s.withAccounts(s.accounts().stream()
                    .map(a -> a.toBuilder().disabled(true).limitReason("key rejected (401)").build()).toList()));
            assertThat(eventually(() -> h.proxy().status().keys().stream().allMatch(k -> k.state().equals("disabled"))))
                    .isTrue();

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"api_error\"").contains("kimi-rotator clear-limits");
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void everyKeyLimitedIs429WithRetryAfterUntilTheSoonestFreesUp() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            limit(h, KEY_A, Duration.ofMillis(90_000));
            limit(h, KEY_B, Duration.ofMillis(30_500));

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.body()).contains("\"rate_limit_error\"");
            assertThat(r.headers().firstValue("retry-after")).hasValue("31");
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void withMaxWaitTheRequestWaitsForTheKeyInsteadOf429() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxWait(Duration.ofSeconds(10)), KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            limit(h, KEY_A, Duration.ofSeconds(5));

            CompletableFuture<HttpResponse<String>> pending = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> h.proxy().waiting() == 1)).isTrue();
            assertThat(pending).isNotDone();
            h.clock.advance(Duration.ofSeconds(5));

            HttpResponse<String> r = pending.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A);
        }
    }

    @Test
    void maxWaitShorterThanTheLimitStillAnswers429() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxWait(Duration.ofSeconds(10)), KEY_A)) {
            limit(h, KEY_A, Duration.ofSeconds(30));

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("retry-after")).hasValue("30");
            assertThat(h.proxy().waiting()).isZero();
        }
    }

    @Test
    void aWaitingRequestGoesAheadAsSoonAsTheLimitIsCleared() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxWait(Duration.ofSeconds(60)), KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            limit(h, KEY_A, Duration.ofSeconds(50));
            CompletableFuture<HttpResponse<String>> pending = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> h.proxy().waiting() == 1)).isTrue();

            h.store.update(s -> s.withAccount(0, HealthPolicy::clearLimits));

            assertThat(pending.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aKeyAtItsCapIsPassedOverForAnother() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxInFlightPerKey(1), KEY_A, KEY_B)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch arrived = new CountDownLatch(1);
            h.upstream.always(KEY_A, held(arrived, release, new AtomicInteger()));
            h.upstream.always(KEY_B, FakeUpstream.message());

            CompletableFuture<HttpResponse<String>> first = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> second = h.postMessage();
            release.countDown();

            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
        }
    }

    @Test
    void requestsBeyondTheCapWaitForASlot() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxInFlightPerKey(1), KEY_A)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch arrived = new CountDownLatch(1);
            AtomicInteger maxConcurrent = new AtomicInteger();
            h.upstream.always(KEY_A, held(arrived, release, maxConcurrent));

            CompletableFuture<HttpResponse<String>> first = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
            CompletableFuture<HttpResponse<String>> second = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> h.proxy().waiting() == 1)).isTrue();
            release.countDown();

            assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(maxConcurrent.get()).isEqualTo(1);
        }
    }

    @Test
    void aSlotThatNeverFreesUpEndsIn429AtTheFailoverDeadline() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxInFlightPerKey(1)
                .withFailoverTimeout(Duration.ofSeconds(1)), KEY_A)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch arrived = new CountDownLatch(1);
            h.upstream.always(KEY_A, held(arrived, release, new AtomicInteger()));
            CompletableFuture<HttpResponse<String>> first = h.http.sendAsync(messageRequest(h),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> second = h.postMessage();
            release.countDown();

            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.body()).contains("\"rate_limit_error\"");
            assertThat(second.headers().firstValue("retry-after")).hasValue("1");
            assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aSelectorThatThrowsGetsTheClientA500NotAHang() throws Exception {
        HealthPolicy policy = new HealthPolicy(Clock.systemUTC());
        AccountsFile store = new AccountsFile(dir.resolve("kimi-accounts.json"), Clock.systemUTC());
        store.update(s -> ProxyHarness.stateWith(KEY_A));
        KeySelector broken = new KeySelector() {
            @Override
            public Selection select(AccountsState state, Set<Integer> excluded, ToIntFunction<String> inFlight,
                    Hints hints) {
                throw new IllegalStateException("strategy bug");
            }

            @Override
            public Selection rotate(AccountsState state) {
                throw new IllegalStateException("strategy bug");
            }
        };
        try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(null).withPort(0), store, broken, policy)) {
            proxy.start();

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    proxy.uri().resolve("/v1/messages")).timeout(BOUND)
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("\"api_error\"").contains("could not choose a key");
        }
    }

    private static HttpRequest messageRequest(ProxyHarness h) {
        return h.request("/v1/messages").POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST))
                .build();
    }

    /** Limits {@code key} for {@code duration} from now, as a CLI or another proxy would, and waits to see it. */
    private static void limit(ProxyHarness h, String key, Duration duration) throws InterruptedException {
        long until = START.plus(duration).toEpochMilli();
        h.store.update(s -> {
            int i = s.indexOfKey(key);
            return s.withAccount(i, a -> a.toBuilder().rateLimitResetTime(until).limitReason("rate limited").build());
        });
        assertThat(eventually(() -> limitedUntil(h.proxy().state(), key) == until)).isTrue();
    }

    private static long limitedUntil(AccountsState s, String key) {
        Account a = s.accounts().get(s.indexOfKey(key));
        return a.limitedUntil();
    }

    /**
     * Starts a stream at once, so that the request is in flight and past its failover deadline's reach, and
     * ends it once {@code release} opens; {@code arrived} opens when the stream has started.
     */
    private static FakeUpstream.Behavior held(CountDownLatch arrived, CountDownLatch release, AtomicInteger max) {
        AtomicInteger concurrent = new AtomicInteger();
        return (request, response, callback) -> {
            max.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                response.setStatus(200);
                FutureCallback started = new FutureCallback();
                response.write(false, ByteBuffer.wrap(FakeUpstream.SSE_EVENTS.get(0).getBytes(StandardCharsets.UTF_8)),
                        started);
                started.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                arrived.countDown();
                if (!release.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } finally {
                concurrent.decrementAndGet();
            }
            response.write(true, null, callback);
        };
    }
}
