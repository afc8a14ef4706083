package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} will not do: send hop-by-hop
 * headers, or hang up in the middle of a response.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    RawHttp(URI proxy, Duration timeout) throws IOException {
        socket = new Socket(proxy.getHost(), proxy.getPort());
        socket.setSoTimeout((int) timeout.toMillis());
        in = socket.getInputStream();
    }

    /** Sends {@code head} (the request line and headers, without the blank line) and {@code body}. */
    void send(String head, byte[] body) throws IOException {
        String request = head + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
    }

    /** Reads until {@code marker} has been seen; returns everything read so far. */
    String readUntil(String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("connection closed before '" + marker + "'; got: " + seen);
            }
            seen.write(buffer, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    /** Reads to the end of the connection. */
    String readAll() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
