package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.state.KeyStateBackend.Shared;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestShutdown {
    @TempDir
    Path dir;

    @Test
    void closeLetsAStreamInFlightFinishThenWritesTheState() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            CountDownLatch gate = new CountDownLatch(1);
            CompletableFuture<HttpResponse<InputStream>> stream = streamHeldAfterItsFirstEvent(h, gate);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(h.proxy()::close);
            assertThat(eventually(() -> !h.proxy().isListening())).isTrue();
            assertThat(closing).isNotDone();
            gate.countDown();

            HttpResponse<InputStream> r = stream.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
            closing.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(body).isEqualTo(String.join("", FakeUpstream.SSE_EVENTS));
            assertThat(h.stored(KEY_A).successfulRequests()).isEqualTo(1);
        }
    }

    @Test
    void requestsCutAfterTheGracePeriodCostTheirKeysNothing() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withShutdownTimeout(Duration.ofMillis(300)), KEY_A,
                KEY_B)) {
            h.upstream.always(KEY_A, h.upstream.hang());
            h.upstream.always(KEY_B, FakeUpstream.message());
            CompletableFuture<HttpResponse<String>> hanging = h.http.sendAsync(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> h.upstream.received().size() == 1)).isTrue();

            h.proxy().close();

            int status = hanging.handle((r, failure) -> r == null ? -1 : r.statusCode())
                    .get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(status).isNotEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A);
            assertThat(h.stored(KEY_A).totalRequests()).isZero();
            assertThat(h.stored(KEY_A).healthScore()).isEqualTo(100);
            assertThat(h.stored(KEY_B).totalRequests()).isZero();
        }
    }

    @Test
    void aStreamCutByShutdownIsLoggedAsSuchNotAsAClientThatLeft() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withShutdownTimeout(Duration.ofMillis(300)), KEY_A)) {
            CountDownLatch gate = new CountDownLatch(1);
            CompletableFuture<HttpResponse<InputStream>> stream = streamHeldAfterItsFirstEvent(h, gate);
            stream.get(BOUND.toSeconds(), TimeUnit.SECONDS);

            String log = stderrDuring(() -> h.proxy().close());
            gate.countDown();

            assertThat(log).contains("POST /v1/messages 200 cut by shutdown").doesNotContain(" 499");
            assertThat(h.stored(KEY_A).healthScore()).as("the key served well").isEqualTo(100);
        }
    }

    /** A streaming request through the proxy whose upstream holds every event after the first until {@code gate}. */
    private static CompletableFuture<HttpResponse<InputStream>> streamHeldAfterItsFirstEvent(ProxyHarness h,
            CountDownLatch gate) throws InterruptedException {
        CountDownLatch sentFirst = new CountDownLatch(1);
        h.upstream.always(KEY_A, h.upstream.streamHeldAfterFirst(sentFirst, gate));
        CompletableFuture<HttpResponse<InputStream>> stream = h.http.sendAsync(h.request("/v1/messages")
                .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(sentFirst.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return stream;
    }

    /** What the proxy's log (SLF4J simple, on stderr) says while {@code action} runs. */
    private static String stderrDuring(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @Test
    void requestsWaitingForAKeyAreAnsweredAtClose() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxWait(Duration.ofSeconds(60)), KEY_A)) {
            long until = START.plusSeconds(30).toEpochMilli();
            h.store.update(s -> s.withAccount(0, a -> a.toBuilder().rateLimitResetTime(until).build()));
            assertThat(eventually(() -> h.account(KEY_A).rateLimitResetTime() == until)).isTrue();
            CompletableFuture<HttpResponse<String>> waiting = h.http.sendAsync(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> h.proxy().waiting() == 1)).isTrue();

            h.proxy().close();

            HttpResponse<String> r = waiting.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("shutting down");
        }
    }

    /**
     * The shared state answers a key choice with a stage, which may complete (on its own thread) while the proxy
     * closes: a request that then finds no key free is answered like the ones already waiting, not left to the
     * end of the shutdown time.
     */
    @Test
    void aRequestWhoseKeyChoiceCompletesWhileTheProxyClosesIsAnsweredToo() throws Exception {
        Gated gated = new Gated();
        try (ProxyHarness h = ProxyHarness.shared(dir, c -> c.withMaxWait(Duration.ofSeconds(60))
                .withShutdownTimeout(Duration.ofSeconds(2)), policy -> gated, KEY_A)) {
            long until = START.plusSeconds(30).toEpochMilli();
            h.store.update(s -> s.withAccount(0, a -> a.toBuilder().rateLimitResetTime(until).build()));
            assertThat(eventually(() -> h.account(KEY_A).rateLimitResetTime() == until)).isTrue();
            CompletableFuture<Shared> answer = new CompletableFuture<>();
            CompletableFuture<HttpResponse<String>> waiting = gated.holdChoiceOf(h, answer);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(h.proxy()::close);
            assertThat(eventually(() -> !h.proxy().isListening())).isTrue();
            answer.complete(Shared.NONE);

            HttpResponse<String> r = waiting.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("shutting down");
            closing.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A key choice that completes (on the shared state's thread) after the proxy has closed altogether (its timers
     * and upstream client stopped) finds nothing to send with: the key it took is given back, not left counted in
     * flight.
     */
    @Test
    void aKeyChoiceThatCompletesAfterTheProxyClosedGivesItsKeyBack() throws Exception {
        Gated gated = new Gated();
        try (ProxyHarness h = ProxyHarness.shared(dir, c -> c.withShutdownTimeout(Duration.ofMillis(300)),
                policy -> gated, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            CompletableFuture<Shared> answer = new CompletableFuture<>();
            CompletableFuture<HttpResponse<String>> waiting = gated.holdChoiceOf(h, answer);
            h.proxy().close();
            gated.gate = null;

            // The choice goes on here, on this thread, with the key free.
            answer.complete(Shared.NONE);

            assertThat(h.proxy().status().keys().get(0).inFlight()).isZero();
            waiting.handle((r, failure) -> null).get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** The file backend, whose key choices wait for {@link #gate} while one is set. */
    private static final class Gated extends FileStateOverride {
        volatile CompletableFuture<Shared> gate;
        final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

        /** Sends a request through {@code h} whose key choice waits for {@code answer}; returns once it waits. */
        CompletableFuture<HttpResponse<String>> holdChoiceOf(ProxyHarness h, CompletableFuture<Shared> answer)
                throws InterruptedException {
            gate = answer;
            int before = asked.get();
            CompletableFuture<HttpResponse<String>> waiting = h.http.sendAsync(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(eventually(() -> asked.get() > before)).isTrue();
            return waiting;
        }

        @Override
        public java.util.concurrent.CompletionStage<Shared> refresh(io.github.kimirotator.api.AccountsState local,
                boolean turn, java.util.Optional<String> session) {
            CompletableFuture<Shared> g = gate;
            if (g == null) {
                return super.refresh(local, turn, session);
            }
            asked.incrementAndGet();
            return g;
        }
    }
}
