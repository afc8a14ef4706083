package io.github.kimirotator.proxy;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;

/**
 * A Kimi-like upstream on 127.0.0.1 that answers each request by the key it carries in {@code x-api-key}:
 * first from that key's queue of one-off behaviours, then with the key's standing behaviour. Unknown keys get
 * a 401. It records every request it received.
 */
final class FakeUpstream implements AutoCloseable {
    static final String PREFIX = "/coding";
    static final String MESSAGE_JSON = """
            {"id":"msg_01","type":"message","role":"assistant","model":"kimi-for-coding",\
            "content":[{"type":"text","text":"pong"}],"stop_reason":"end_turn","stop_sequence":null,\
            "usage":{"input_tokens":3,"output_tokens":1}}""";
    static final List<String> SSE_EVENTS = List.of(
            sse("message_start", """
                    {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant",\
                    "model":"kimi-for-coding","content":[],"stop_reason":null,"stop_sequence":null,\
                    "usage":{"input_tokens":3,"output_tokens":0}}}"""),
            sse("content_block_start", """
                    {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            sse("content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"po"}}"""),
            sse("content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ng"}}"""),
            sse("content_block_stop", """
                    {"type":"content_block_stop","index":0}"""),
            sse("message_delta", """
                    {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
                    "usage":{"output_tokens":2}}"""),
            sse("message_stop", """
                    {"type":"message_stop"}"""));
    static final Duration BOUND = Duration.ofSeconds(20);

    /** What the upstream does with one request. */
    @FunctionalInterface
    interface Behavior {
        void serve(Request request, Response response, Callback callback) throws Exception;
    }

    /** One request as it arrived. */
    record Received(String key, String method, String path, String query, HttpFields headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final Map<String, Behavior> standing = new ConcurrentHashMap<>();
    private final Map<String, Deque<Behavior>> queued = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Callback> hanging = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    FakeUpstream() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                byte[] body = toArray(Content.Source.asByteBuffer(request));
                String key = request.getHeaders().get("x-api-key");
                received.add(new Received(key, request.getMethod(), request.getHttpURI().getPath(),
                        request.getHttpURI().getQuery(), HttpFields.build(request.getHeaders()).asImmutable(), body));
                behaviorFor(key).serve(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    /** The upstream base URI to give the proxy. */
    URI base() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + PREFIX);
    }

    /** {@code key} gets {@code behavior} from now on. */
    FakeUpstream always(String key, Behavior behavior) {
        standing.put(key, behavior);
        return this;
    }

    /** {@code key}'s next requests get {@code behaviors}, one each, before its standing behaviour. */
    FakeUpstream then(String key, Behavior... behaviors) {
        queued.computeIfAbsent(key, k -> new ArrayDeque<>()).addAll(List.of(behaviors));
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** The keys of the requests received, in order. */
    List<String> keysTried() {
        List<String> keys = new ArrayList<>();
        received.forEach(r -> keys.add(r.key()));
        return keys;
    }

    /** What went wrong inside behaviours (a gate never opened, a write that should have failed did not). */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() throws Exception {
        hanging.forEach(c -> c.failed(new IllegalStateException("upstream closing")));
        server.stop();
    }

    private Behavior behaviorFor(String key) {
        Deque<Behavior> queue = key == null ? null : queued.get(key);
        synchronized (this) {
            if (queue != null && !queue.isEmpty()) {
                return queue.poll();
            }
        }
        Behavior b = key == null ? null : standing.get(key);
        return b != null ? b : answer(401, "{\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid key\"}}");
    }

    // --- behaviours ---

    /** A 200 Anthropic message. */
    static Behavior message() {
        return answer(200, MESSAGE_JSON, "request-id", "req_fake", "anthropic-ratelimit-requests-remaining", "41");
    }

    /** {@code status} with a JSON {@code body} and header name/value pairs. */
    static Behavior answer(int status, String body, String... headers) {
        return (request, response, callback) -> {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            for (int i = 0; i < headers.length; i += 2) {
                response.getHeaders().add(headers[i], headers[i + 1]);
            }
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        };
    }

    /** An Anthropic error of {@code type} with {@code message}. */
    static Behavior error(int status, String type, String message, String... headers) {
        return answer(status, "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\""
                + message + "\"}}", headers);
    }

    /** The standard SSE sequence, each event written and flushed on its own. */
    static Behavior stream() {
        return streamGated(null, null);
    }

    /**
     * The SSE sequence, holding every event after the first until {@code gate} opens; {@code sentFirst} opens
     * once the first event is out.
     */
    Behavior streamHeldAfterFirst(CountDownLatch sentFirst, CountDownLatch gate) {
        return streamGated(sentFirst, gate);
    }

    private static Behavior streamGated(CountDownLatch sentFirst, CountDownLatch gate) {
        return (request, response, callback) -> {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            response.getHeaders().put("request-id", "req_stream");
            for (int i = 0; i < SSE_EVENTS.size(); i++) {
                write(response, SSE_EVENTS.get(i));
                if (i == 0 && sentFirst != null) {
                    sentFirst.countDown();
                }
                if (i == 0 && gate != null && !gate.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                    callback.failed(new IllegalStateException("the gate never opened"));
                    return;
                }
            }
            response.write(true, null, callback);
        };
    }

    /**
     * Sends the first SSE event, waits for {@code clientGone}, then keeps writing until a write fails, which
     * opens {@code writeFailed}: the proxy must have dropped the upstream connection.
     */
    Behavior streamUntilDropped(CountDownLatch clientGone, CountDownLatch writeFailed) {
        return (request, response, callback) -> {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            write(response, SSE_EVENTS.get(0));
            if (!clientGone.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                problems.add("the client never went away");
            }
            String filler = ": " + "x".repeat(64 * 1024) + "\n\n";
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    write(response, filler);
                } catch (Exception e) {
                    writeFailed.countDown();
                    callback.failed(e);
                    return;
                }
            }
            problems.add("writes kept succeeding after the client went away");
            callback.succeeded();
        };
    }

    /** Closes the connection before any response byte. */
    static Behavior reset() {
        return (request, response, callback) -> {
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            callback.failed(new IllegalStateException("reset on purpose"));
        };
    }

    /** Never answers (until the upstream closes). */
    Behavior hang() {
        return (request, response, callback) -> hanging.add(callback);
    }

    /** Answers bytes that are not HTTP, then closes. */
    static Behavior malformed() {
        return (request, response, callback) -> {
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            FutureCallback written = new FutureCallback();
            endPoint.write(written, ByteBuffer.wrap("HTTP/1.1 abc not-http\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            written.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            endPoint.close();
            callback.failed(new IllegalStateException("malformed on purpose"));
        };
    }

    /** Counts the requests it serves with {@code inner}. */
    static Behavior counting(AtomicInteger count, Behavior inner) {
        return (request, response, callback) -> {
            count.incrementAndGet();
            inner.serve(request, response, callback);
        };
    }

    static String sse(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private static void write(Response response, String text) throws Exception {
        FutureCallback done = new FutureCallback();
        response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), done);
        done.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
