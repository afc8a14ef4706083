package io.github.kimirotator.proxy;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Failures in one line, for logs and for the proxy's error answers. Jetty's exception messages often dump
 * its objects ({@code HttpConnectionOverHTTP@1a2b::SocketChannelEndPoint@3c4d[...]}, with addresses and
 * internal state); those never leave the proxy: such a message is replaced by what kind of failure it was.
 */
final class Failures {
    /** {@code SomeClass@1a2b3c}, as {@link Object#toString()} makes it. */
    private static final Pattern OBJECT_DUMP = Pattern.compile("[A-Za-z_$][\\w$.]*@[0-9a-fA-F]{4,}");
    private static final int MAX_MESSAGE = 200;

    private Failures() {
    }

    /** What went wrong, in one short line without object dumps; never holds a key. */
    static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown error";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String kind = kind(root);
        String message = root.getMessage();
        if (message == null || message.isBlank() || OBJECT_DUMP.matcher(message).find()) {
            return kind;
        }
        String line = message.lines().findFirst().orElse("");
        if (line.length() > MAX_MESSAGE) {
            line = line.substring(0, MAX_MESSAGE) + "...";
        }
        return kind + ": " + line;
    }

    private static String kind(Throwable t) {
        if (t instanceof EOFException || t instanceof ClosedChannelException) {
            return "the connection was closed";
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof UnknownHostException) {
            return "unknown host";
        }
        if (t instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (t instanceof TimeoutException) {
            return "timed out";
        }
        if (t instanceof SSLException) {
            return "TLS failed";
        }
        return t.getClass().getSimpleName();
    }
}
