package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch on a client's connection (a real Jetty end point, in memory) reads nothing that belongs to Jetty's
 * connection: once {@link ClientWatch#stop()} has returned, the answer may complete and the client send its
 * next request, and no byte of it may be taken by a fill the watch began before.
 */
class TestClientWatch {
    private static final int REQUESTS = 300;
    private static final String NEXT = "POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";

    /** An end point whose first fill waits for the test's go, as a fill delayed by the scheduler would. */
    private static final class HeldFill extends ByteArrayEndPoint {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicInteger fills = new AtomicInteger();

        @Override
        public int fill(ByteBuffer buffer) throws IOException {
            if (fills.getAndIncrement() == 0) {
                entered.countDown();
                try {
                    go.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.fill(buffer);
        }
    }

    @Test
    void aFillUnderWayWhenTheWatchStopsTakesNoByteOfTheNextRequest() throws Exception {
        HeldFill endPoint = new HeldFill();
        AtomicBoolean gone = new AtomicBoolean();
        ClientWatch watch = ClientWatch.start(endPoint, () -> gone.set(true));
        // The connection is reported readable (nothing to read yet): the watch's fill begins and is held.
        Thread selector = new Thread(() -> endPoint.getFillInterest().fillable(), "selector");
        selector.start();
        assertThat(endPoint.entered.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        // The exchange stops watching before its answer's last bytes; then the client sends its next request.
        CountDownLatch stopped = new CountDownLatch(1);
        Thread exchange = new Thread(() -> {
            watch.stop();
            stopped.countDown();
        }, "exchange");
        exchange.start();
        assertThat(eventually(() -> stopped.getCount() == 0 || exchange.getState() == Thread.State.BLOCKED))
                .isTrue();
        boolean sentEarly = stopped.getCount() == 0;
        if (sentEarly) {
            // stop() returned while the fill was still to come: the answer completes, the next request arrives.
            endPoint.addInput(NEXT);
        }
        endPoint.go.countDown();
        selector.join(BOUND.toMillis());
        exchange.join(BOUND.toMillis());
        if (!sentEarly) {
            endPoint.addInput(NEXT);
        }

        // Jetty's connection reads the whole next request, from its first byte.
        ByteBuffer next = BufferUtil.allocate(1024);
        endPoint.fill(next);
        assertThat(BufferUtil.toString(next, StandardCharsets.ISO_8859_1)).isEqualTo(NEXT);
        assertThat(watch.tookData()).isFalse();
        assertThat(gone).isFalse();
    }

    @Test
    void aClientThatClosesIsSeenGone() throws Exception {
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint();
        CountDownLatch gone = new CountDownLatch(1);
        ClientWatch.start(endPoint, gone::countDown);

        endPoint.addInputEOF();

        assertThat(gone.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void keepAliveRequestsBackToBackOnOneConnectionAreAllAnsweredWhole(@TempDir Path dir) throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger served = new AtomicInteger();
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            // A slow-ish upstream: each answer comes 0 to 2 ms later, from another thread.
            h.upstream.always(KEY_A, (request, response, callback) -> later.schedule(() -> {
                try {
                    FakeUpstream.message().serve(request, response, callback);
                } catch (Exception e) {
                    callback.failed(e);
                }
            }, served.getAndIncrement() % 3, TimeUnit.MILLISECONDS));
            try (RawHttp client = new RawHttp(h.proxy().uri(), BOUND)) {
                for (int i = 0; i < REQUESTS; i++) {
                    client.send("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + ProxyHarness.TOKEN
                            + "\r\nContent-Type: application/json", ProxyHarness.MESSAGE_REQUEST.getBytes(
                            StandardCharsets.UTF_8));
                    RawHttp.Answer answer = client.readResponse();

                    assertThat(answer.statusLine()).as("answer %d", i).isEqualTo("HTTP/1.1 200 OK");
                    assertThat(answer.body()).as("answer %d", i).isEqualTo(FakeUpstream.MESSAGE_JSON);
                    assertThat(answer.header("Connection")).as("answer %d", i).isNull();
                }
            }
            assertThat(h.upstream.received()).hasSize(REQUESTS);
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void aRequestPipelinedDuringAStreamedAnswerEndsTheConnectionAfterThatAnswerOrIsAnswered(@TempDir Path dir)
            throws Exception {
        CountDownLatch sentFirst = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.then(KEY_A, h.upstream.streamHeldAfterFirst(sentFirst, gate));
            h.upstream.always(KEY_A, FakeUpstream.message());
            String head = "POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + ProxyHarness.TOKEN
                    + "\r\nContent-Type: application/json";
            try (RawHttp client = new RawHttp(h.proxy().uri(), BOUND)) {
                client.send(head, "{\"model\":\"kimi-for-coding\",\"stream\":true,\"messages\":[]}"
                        .getBytes(StandardCharsets.UTF_8));
                assertThat(sentFirst.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                // The answer's headers are out (no Connection: close in them) while the upstream holds the rest:
                // the client sends its next request now (pipelining), which the watch on its connection reads.
                RawHttp.Answer firstHead = client.readHead();
                assertThat(firstHead.header("Connection")).isNull();
                client.send(head, ProxyHarness.MESSAGE_REQUEST.getBytes(StandardCharsets.UTF_8));
                gate.countDown();

                RawHttp.Answer first = client.readBody(firstHead);
                assertThat(first.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                assertThat(first.body()).startsWith("event: message_start").contains("event: message_stop");
                // Then the end of the stream (the watch read the next request) or, had Jetty's connection read
                // it (its bytes came after the answer's end), its whole answer on the kept-alive connection; never
                // a wait for bytes that are gone, never a 400.
                if (!client.ended()) {
                    RawHttp.Answer second = client.readResponse();
                    assertThat(second.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                    assertThat(second.body()).isEqualTo(FakeUpstream.MESSAGE_JSON);
                }
            }
        }
    }
}
