package io.github.kimirotator.dist;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A fake upstream on a free loopback port: every {@code /v1/messages} gets a "pong" message; it keeps each request's key. */
final class PongUpstream implements AutoCloseable {
    private final HttpServer server;
    private final List<String> keysSeen = new CopyOnWriteArrayList<>();

    PongUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/messages", exchange -> {
            keysSeen.add(exchange.getRequestHeaders().getFirst("x-api-key"));
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"pong\"}]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The {@code x-api-key} of each request, in order. */
    List<String> keysSeen() {
        return keysSeen;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
