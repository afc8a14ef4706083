package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
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
    private final PushbackInputStream in;

    RawHttp(URI proxy, Duration timeout) throws IOException {
        socket = new Socket(proxy.getHost(), proxy.getPort());
        socket.setSoTimeout((int) timeout.toMillis());
        socket.setTcpNoDelay(true);
        in = new PushbackInputStream(socket.getInputStream(), 1);
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

    /** One response as it came: its status line, its header lines, its body (de-chunked). */
    record Answer(String statusLine, java.util.List<String> headers, String body) {
        /** The value of header {@code name} (first one, case-insensitive), or null. */
        String header(String name) {
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return h.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /**
     * Reads exactly one response (framed by Content-Length, chunked, or the end of a connection it closes), no
     * byte further, so that a next one on the same connection starts where it must.
     */
    Answer readResponse() throws IOException {
        return readBody(readHead());
    }

    /** Reads a response's status line and headers (its body is left to {@link #readBody(Answer)}). */
    Answer readHead() throws IOException {
        String statusLine = line();
        java.util.List<String> headers = new java.util.ArrayList<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            headers.add(h);
        }
        return new Answer(statusLine, headers, "");
    }

    /** Reads the body of the response whose head is {@code head}; returns the whole response. */
    Answer readBody(Answer head) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
            for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
                    size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                body.write(exactly(size));
                line();
            }
            for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                // trailers are not kept
            }
        } else if (head.header("Content-Length") != null) {
            body.write(exactly(Integer.parseInt(head.header("Content-Length"))));
        } else if ("close".equalsIgnoreCase(head.header("Connection"))) {
            body.write(in.readAllBytes());
        }
        return new Answer(head.statusLine(), head.headers(), body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed in a line; got: " + line);
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private byte[] exactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new IOException("connection closed after " + bytes.length + " of " + n + " body bytes");
        }
        return bytes;
    }

    /** Whether the connection ends here (the server closed it), else the next byte is left to be read. */
    boolean ended() throws IOException {
        int b = in.read();
        if (b < 0) {
            return true;
        }
        in.unread(b);
        return false;
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
