package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few thousand requests through the proxy to an upstream that closes kept-alive connections the way real
 * front ends do (after a few answers, or after a few milliseconds idle; a FIN, no {@code Connection: close}):
 * every body arrives byte for byte, no client sees a 5xx, and no key's health moves, since none of it was a
 * key's fault. Bounded: 12 clients, half of them SSE, 200 B to 70 KB per answer.
 */
class TestSoakClosingUpstream {
    private static final int CLIENTS = 12;
    private static final int REQUESTS_PER_CLIENT = 125;
    private static final Duration REQUEST_BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void closingAfterOneToThreeAnswers() throws Exception {
        soak(up -> up.closeAfterAnswers(() -> 1 + ThreadLocalRandom.current().nextInt(3)));
    }

    @Test
    void closingWhenIdleForUpToFiveMilliseconds() throws Exception {
        soak(up -> up.closeWhenIdle(() -> 1 + ThreadLocalRandom.current().nextInt(5)));
    }

    private void soak(Consumer<ScriptedUpstream> closing) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                ProxyHarness h = ProxyHarness.start(dir, c -> c.withUpstream(upstream.base()), KEY_A, KEY_B, KEY_C)) {
            closing.accept(upstream);
            List<String> wrong = new CopyOnWriteArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    running.add(clients.submit(() -> {
                        run(h, client, wrong);
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get(2, TimeUnit.MINUTES);
                }
            } finally {
                clients.shutdownNow();
            }

            assertThat(wrong).as("wrong answers").isEmpty();
            assertThat(upstream.onReusedConnections()).as("connections were reused").isNotEmpty();
            assertThat(eventually(() -> h.proxy().status().keys().stream().allMatch(k -> k.inFlight() == 0)))
                    .isTrue();
            long successes = 0;
            for (String key : List.of(KEY_A, KEY_B, KEY_C)) {
                Account a = h.account(key);
                assertThat(a.healthScore()).as("health of %s", key.substring(key.length() - 4)).isEqualTo(100);
                assertThat(a.consecutiveFailures()).isZero();
                assertThat(a.totalRequests()).isEqualTo(a.successfulRequests());
                successes += a.successfulRequests();
            }
            assertThat(successes).isEqualTo((long) CLIENTS * REQUESTS_PER_CLIENT);
        }
    }

    private static void run(ProxyHarness h, int client, List<String> wrong) throws Exception {
        SplittableRandom random = new SplittableRandom(client);
        boolean sse = client % 2 == 0;
        for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
            long seed = client * 1_000_000L + i;
            int size = 200 + random.nextInt(70_000 - 200);
            HttpRequest request = h.request("/v1/messages").timeout(REQUEST_BOUND)
                    .header("content-type", "application/json")
                    .header("x-test-size", Integer.toString(size))
                    .header("x-test-seed", Long.toString(seed))
                    .header("x-test-sse", sse ? "1" : "0")
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build();
            try {
                HttpResponse<byte[]> r = h.http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    wrong.add("request " + seed + ": status " + r.statusCode() + " " + new String(r.body()));
                } else if (!Arrays.equals(r.body(), ScriptedUpstream.body(seed, size))) {
                    wrong.add("request " + seed + ": body of " + r.body().length + " bytes, " + size + " sent");
                }
            } catch (java.io.IOException e) {
                wrong.add("request " + seed + ": " + e);
            }
        }
    }
}
