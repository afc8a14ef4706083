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
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestConcurrency {
    private static final int REQUESTS = 200;
    /** A correctness test, not a latency one: 200 requests on 2 busy cores get a generous bound each. */
    private static final Duration REQUEST_BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    /** The header the upstream names the key of a success in; the proxy passes it on to the client. */
    private static final String SERVED_BY = "x-test-served-by";

    /**
     * Per key, as the upstream saw it: requests received, whole successes it answered, and successes it cut
     * after their headers (the proxy never sees those whole, so they are not the key's successes).
     */
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sentWhole = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> cut = new ConcurrentHashMap<>();
    /** Per key: the 200 answers the client got from it. */
    private final Map<String, AtomicInteger> clientGot = new ConcurrentHashMap<>();

    @Test
    void manyConcurrentRequestsWithFailuresAreAllAnsweredAndCountedExactly() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxBodyBytes(1 << 20), KEY_A, KEY_B, KEY_C)) {
            // Every 4th request on A fails with a 500, every 3rd on B is a 429, every 5th on C is reset. Of A's
            // other requests every 7th gets a 200's headers and then the connection closes before the body: the
            // upstream began a success that never reaches the proxy whole, so it is A's failure (and the request
            // fails over), never A's success.
            h.upstream.always(KEY_A, mixed(KEY_A, 4, FakeUpstream.error(500, "api_error", "boom"), 7));
            h.upstream.always(KEY_B, mixed(KEY_B, 3, FakeUpstream.error(429, "rate_limit_error", "slow",
                    "retry-after", "0"), 0));
            h.upstream.always(KEY_C, mixed(KEY_C, 5, FakeUpstream.reset(), 0));

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
                if (r.statusCode() == 200) {
                    ok++;
                    String by = r.headers().firstValue(SERVED_BY).orElseThrow();
                    clientGot.computeIfAbsent(by, k -> new AtomicInteger()).incrementAndGet();
                }
            }
            assertThat(eventually(() -> h.proxy().status().keys().stream().allMatch(k -> k.inFlight() == 0))).isTrue();
            // C's resets close connections as a request arrives: on a reused connection that is a reuse race,
            // sent again on a new connection with C and counted once. A's cuts close connections only after the
            // headers, which is A's failure and no reuse race: the proxy's retries are all C's.
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
                // A key's successes are what the proxy could see: the answers that reached the client whole from
                // it. The upstream answered each of those whole; a success it cut after the headers is not one.
                int good = clientGot.getOrDefault(ApiKeys.id(key), new AtomicInteger()).get();
                assertThat(a.totalRequests()).as("requests with %s", ApiKeys.id(key)).isEqualTo(got);
                assertThat(a.successfulRequests()).as("successes with %s", ApiKeys.id(key)).isEqualTo(good);
                assertThat(good).as("whole successes answered by %s", ApiKeys.id(key))
                        .isLessThanOrEqualTo(sentWhole.getOrDefault(key, new AtomicInteger()).get());
                assertThat(a.dailyRequests().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(good);
                assertThat(a.healthScore()).isBetween(0, 100);
                totalSuccesses += a.successfulRequests();
            }
            assertThat(totalSuccesses).isEqualTo(ok);
            assertThat(cut.get(KEY_A).get()).as("successes A's upstream cut after the headers").isPositive();
            assertThat(h.upstream.received()).hasSize(received.values().stream().mapToInt(AtomicInteger::get).sum());
        }
    }

    /**
     * Every {@code every}th request gets {@code failure}; of the others every {@code cutEvery}th (0: none) a 200
     * cut after its headers; the rest a 200 message naming {@code key} in {@link #SERVED_BY}.
     */
    private FakeUpstream.Behavior mixed(String key, int every, FakeUpstream.Behavior failure, int cutEvery) {
        AtomicInteger n = received.computeIfAbsent(key, k -> new AtomicInteger());
        AtomicInteger whole = sentWhole.computeIfAbsent(key, k -> new AtomicInteger());
        AtomicInteger cutShort = cut.computeIfAbsent(key, k -> new AtomicInteger());
        AtomicInteger others = new AtomicInteger();
        FakeUpstream.Behavior success = FakeUpstream.answer(200, FakeUpstream.MESSAGE_JSON, SERVED_BY, ApiKeys.id(key));
        return (request, response, callback) -> {
            if (n.incrementAndGet() % every == 0) {
                failure.serve(request, response, callback);
            } else if (cutEvery > 0 && others.incrementAndGet() % cutEvery == 0) {
                cutShort.incrementAndGet();
                headersThenClose(request, response, callback);
            } else {
                whole.incrementAndGet();
                success.serve(request, response, callback);
            }
        };
    }

    /** A 200's headers, announcing a body that never comes: the connection closes right after them. */
    private static void headersThenClose(Request request, Response response, Callback callback) throws Exception {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, FakeUpstream.MESSAGE_JSON.length());
        FutureCallback sent = new FutureCallback();
        response.write(false, BufferUtil.EMPTY_BUFFER, sent);
        sent.get(FakeUpstream.BOUND.toSeconds(), TimeUnit.SECONDS);
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new IllegalStateException("cut after the headers on purpose"));
    }
}
