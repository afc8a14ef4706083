package io.github.kimirotator.proxy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * An HTTP/1.1 upstream on plain sockets whose every byte and every close is scripted, for what a well-behaved
 * server never does: close a kept-alive connection after some answers or after a few milliseconds idle (a FIN,
 * no {@code Connection: close}), close as the next request arrives, send headers and then close, cut a body
 * short, or stay silent. Answers carry {@code Content-Length}, or are chunked (as SSE streams are).
 */
final class ScriptedUpstream implements AutoCloseable {
    static final String PREFIX = "/coding";

    /** One request as it arrived, and how many answers its connection had given before it. */
    record Received(String key, String path, Map<String, String> headers, byte[] body, int answeredBefore) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What the upstream does with one request. */
    sealed interface Action {
    }

    /** A whole answer; the connection stays open unless the connection policy closes it. */
    record Answer(int status, String contentType, byte[] body, boolean chunked) implements Action {
    }

    /** The status line and headers announcing {@code contentLength} bytes, then the connection closes. */
    record HeadersThenClose(int status, int contentLength) implements Action {
    }

    /** Headers announcing {@code body}, only its first {@code sent} bytes, then the connection closes. */
    record Truncated(int status, byte[] body, int sent) implements Action {
    }

    /** No answer at all; the connection is held until the other side closes it. */
    record Stall() implements Action {
    }

    /** The connection closes as soon as the request is read, without a byte of answer. */
    record Drop() implements Action {
    }

    /** Decides each request's fate. */
    @FunctionalInterface
    interface Script {
        Action on(Received request);
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-upstream");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger stallsEndedByPeer = new AtomicInteger();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile Script script = r -> ok(r);
    private volatile IntSupplier answersPerConnection = () -> 0;
    private volatile IntSupplier idleCloseMillis = () -> 0;

    ScriptedUpstream() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        threads.execute(this::acceptLoop);
    }

    /** The upstream base URI to give the proxy. */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + PREFIX);
    }

    ScriptedUpstream script(Script s) {
        this.script = s;
        return this;
    }

    /** Each new connection closes after the number of answers {@code n} gives it; 0 for never. */
    ScriptedUpstream closeAfterAnswers(IntSupplier n) {
        this.answersPerConnection = n;
        return this;
    }

    /** After each answer, a connection that gets no new request within {@code millis} is closed; 0 for never. */
    ScriptedUpstream closeWhenIdle(IntSupplier millis) {
        this.idleCloseMillis = millis;
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    int connections() {
        return connections.get();
    }

    /** Stalled requests whose connection the other side closed. */
    int stallsEndedByPeer() {
        return stallsEndedByPeer.get();
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    // --- answers ---

    /** 200 with the body the request asks for in {@code x-test-size}/{@code x-test-seed}, SSE when it says so. */
    static Answer ok(Received r) {
        int size = r.header("x-test-size") == null ? 64 : Integer.parseInt(r.header("x-test-size"));
        long seed = r.header("x-test-seed") == null ? 1 : Long.parseLong(r.header("x-test-seed"));
        boolean sse = "1".equals(r.header("x-test-sse"));
        return new Answer(200, sse ? "text/event-stream" : "application/json", body(seed, size), sse);
    }

    /** {@code size} printable bytes, the same for the same {@code seed}. */
    static byte[] body(long seed, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i % 80 == 79 ? '\n' : 'a' + random.nextInt(26));
        }
        return bytes;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
        threads.shutdownNow();
    }

    // --- internals ---

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        int limit = answersPerConnection.getAsInt();
        int answered = 0;
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            while (true) {
                int idle = answered > 0 ? idleCloseMillis.getAsInt() : 0;
                socket.setSoTimeout(idle);
                Received request;
                try {
                    request = readRequest(socket, in, answered);
                } catch (SocketTimeoutException e) {
                    return;
                }
                if (request == null) {
                    return;
                }
                received.add(request);
                Action action = script.on(request);
                if (action instanceof Answer a) {
                    writeAnswer(out, a);
                    answered++;
                    if (limit > 0 && answered >= limit) {
                        return;
                    }
                } else if (action instanceof HeadersThenClose h) {
                    writeHead(out, h.status(), "application/json", "Content-Length: " + h.contentLength());
                    out.flush();
                    return;
                } else if (action instanceof Truncated t) {
                    writeHead(out, t.status(), "application/json", "Content-Length: " + t.body().length);
                    out.write(t.body(), 0, t.sent());
                    out.flush();
                    return;
                } else if (action instanceof Stall) {
                    while (in.read() >= 0) {
                        // holds the connection; whatever arrives is ignored
                    }
                    stallsEndedByPeer.incrementAndGet();
                    return;
                } else {
                    return;
                }
            }
        } catch (IOException e) {
            // the other side went away; nothing to report
        } finally {
            open.remove(socket);
        }
    }

    private static void writeAnswer(OutputStream out, Answer a) throws IOException {
        if (!a.chunked()) {
            writeHead(out, a.status(), a.contentType(), "Content-Length: " + a.body().length);
            out.write(a.body());
        } else {
            writeHead(out, a.status(), a.contentType(), "Transfer-Encoding: chunked");
            int step = 1 + a.body().length / 7;
            for (int i = 0; i < a.body().length; i += step) {
                int n = Math.min(step, a.body().length - i);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(a.body(), i, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    private static void writeHead(OutputStream out, int status, String contentType, String length) throws IOException {
        String head = "HTTP/1.1 " + status + " Scripted\r\nContent-Type: " + contentType + "\r\n" + length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
    }

    /** The next request on the connection, or null when it was closed cleanly. */
    private Received readRequest(Socket socket, InputStream in, int answeredBefore) throws IOException {
        int first = in.read();
        // Only the wait for a request's first byte is bounded by the idle close.
        socket.setSoTimeout(0);
        if (first < 0) {
            return null;
        }
        String requestLine = (char) first + readLine(in);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        if (line == null) {
            return null;
        }
        byte[] body = new byte[0];
        String length = headers.get("content-length");
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            problems.add("chunked request bodies are not scripted");
            return null;
        }
        String[] parts = requestLine.split(" ");
        return new Received(headers.get("x-api-key"), parts.length > 1 ? parts[1] : "", headers, body, answeredBefore);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return null;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** How many requests each key got. */
    Map<String, Integer> perKey() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Received r : received) {
            counts.merge(String.valueOf(r.key()), 1, Integer::sum);
        }
        return counts;
    }

    /** The requests whose connection had answered before: these could meet a close on reuse. */
    List<Received> onReusedConnections() {
        List<Received> out = new ArrayList<>();
        for (Received r : received) {
            if (r.answeredBefore() > 0) {
                out.add(r);
            }
        }
        return out;
    }
}
