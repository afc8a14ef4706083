package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.AccountsState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestConcurrency {
    private static final int REQUESTS = 200;
    /** A correctness test, not a latency one: 200 requests on 2 busy cores get a generous bound each. */
    private static final Duration REQUEST_BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    /** Per key: requests received, and those answered with success. */
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> succeeded = new ConcurrentHashMap<>();

    @Test
    void manyConcurrentRequestsWithFailuresAreAllAnsweredAndCountedExactly() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxBodyBytes(1 << 20), KEY_A, KEY_B, KEY_C)) {
            // Every 4th request on A fails with a 500, every 3rd on B is a 429, every 5th on C is reset.
            h.upstream.always(KEY_A, mixed(KEY_A, 4, FakeUpstream.error(500, "api_error", "boom")));
            h.upstream.always(KEY_B, mixed(KEY_B, 3, FakeUpstream.error(429, "rate_limit_error", "slow",
                    "retry-after", "0")));
            h.upstream.always(KEY_C, mixed(KEY_C, 5, FakeUpstream.reset()));

            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                HttpRequest request = h.request("/v1/messages")
                        .timeout(REQUEST_BOUND)
                        .header("x-session-id", "ses_" + i)
                        .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build();
                pending.add(h.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.get(REQUEST_BOUND.toSeconds(), TimeUnit.SECONDS);
                assertThat(r.statusCode()).isIn(200, 429, 500, 502);
                ok += r.statusCode() == 200 ? 1 : 0;
            }
            assertThat(eventually(() -> h.proxy().status().keys().stream().allMatch(k -> k.inFlight() == 0))).isTrue();
            // C's resets close connections as a request arrives: on a reused connection that is a reuse race,
            // sent again on a new connection with C and counted once.
            Matcher m = Pattern.compile("(?m)^kimi_upstream_reuse_retries_total (\\S+)$")
                    .matcher(h.send(h.request(RootHandler.METRICS)).body());
            assertThat(m.find()).isTrue();
            int retriedOnC = (int) Double.parseDouble(m.group(1));
            h.proxy().close();

            AccountsState stored = h.store.read();
            long totalSuccesses = 0;
            for (String key : List.of(KEY_A, KEY_B, KEY_C)) {
                Account a = stored.accounts().get(stored.indexOfKey(key));
                int got = received.getOrDefault(key, new AtomicInteger()).get() - (key.equals(KEY_C) ? retriedOnC : 0);
                int good = succeeded.getOrDefault(key, new AtomicInteger()).get();
                assertThat(a.totalRequests()).as("requests with %s", ApiKeys.id(key)).isEqualTo(got);
                assertThat(a.successfulRequests()).as("successes with %s", ApiKeys.id(key)).isEqualTo(good);
                assertThat(a.dailyRequests().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(good);
                assertThat(a.healthScore()).isBetween(0, 100);
                totalSuccesses += a.successfulRequests();
            }
            assertThat(totalSuccesses).isEqualTo(ok);
            assertThat(h.upstream.received()).hasSize(received.values().stream().mapToInt(AtomicInteger::get).sum());
        }
    }

    private FakeUpstream.Behavior mixed(String key, int every, FakeUpstream.Behavior failure) {
        AtomicInteger n = received.computeIfAbsent(key, k -> new AtomicInteger());
        AtomicInteger good = succeeded.computeIfAbsent(key, k -> new AtomicInteger());
        return (request, response, callback) -> {
            if (n.incrementAndGet() % every == 0) {
                failure.serve(request, response, callback);
            } else {
                good.incrementAndGet();
                FakeUpstream.message().serve(request, response, callback);
            }
        };
    }
}
