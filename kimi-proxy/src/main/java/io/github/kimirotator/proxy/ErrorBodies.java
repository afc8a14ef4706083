package io.github.kimirotator.proxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/** The text of an upstream error body, for matching the seed's phrases. */
final class ErrorBodies {

    private ErrorBodies() {
    }

    /**
     * The body as text. Bodies pass through the proxy as the upstream encoded them, so a gzip body is
     * decoded here (up to {@link Attempt#ERROR_BODY_LIMIT}) just to be read.
     */
    static String text(byte[] body, String contentEncoding) {
        if (contentEncoding != null && contentEncoding.trim().equalsIgnoreCase("gzip")) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                return new String(in.readNBytes(Attempt.ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
        return new String(body, StandardCharsets.UTF_8);
    }
}
