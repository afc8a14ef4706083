package io.github.kimirotator.proxy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How {@code kimi-rotator serve} runs (contract section 3). Immutable; start from {@link #defaults(String)} and
 * change fields with the {@code with...} methods.
 *
 * @param host address to bind; a non-loopback address requires a token
 * @param port port to bind, {@code 0} for a free one
 * @param upstream base URI requests under {@code /v1/} are forwarded to (its path is kept as a prefix)
 * @param token the local token clients must send, or {@code null} for no auth ({@code --no-auth})
 * @param maxWait how long a request may wait for a limited key to free up instead of getting a 429
 * @param failoverTimeout how long all attempts of one request together may take until the first response byte
 * @param attemptTimeout how long one key may take to start answering before the next key is tried;
 *     {@link Duration#ZERO} lets one attempt use the whole remaining failover time
 * @param idleTimeout how long a response stream may go without data
 * @param maxBodyBytes the largest request body accepted (413 beyond)
 * @param maxBufferedBytes the most memory all request bodies held at once may take (503 beyond)
 * @param maxInFlightPerKey the most requests one key may carry at a time; {@code 0} for no cap
 * @param shutdownTimeout how long {@link ProxyServer#close()} lets in-flight requests finish
 */
public record ProxyConfig(
        String host,
        int port,
        URI upstream,
        String token,
        Duration maxWait,
        Duration failoverTimeout,
        Duration attemptTimeout,
        Duration idleTimeout,
        long maxBodyBytes,
        long maxBufferedBytes,
        int maxInFlightPerKey,
        Duration shutdownTimeout) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8787;
    public static final URI DEFAULT_UPSTREAM = URI.create("https://api.kimi.com/coding");
    public static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(300);
    public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 256L * 1024 * 1024;
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(15);
    /** Bodies are held in one array so that they can be re-sent to another key. */
    public static final long MAX_BODY_LIMIT = Integer.MAX_VALUE - 8;

    public ProxyConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(failoverTimeout, "failoverTimeout");
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (host.isBlank()) {
            throw invalid("invalid host: it is empty");
        }
        if (port < 0 || port > 65535) {
            throw invalid("invalid port " + port + ": it must be 0 to 65535");
        }
        upstream = normalizeUpstream(upstream);
        if (token != null && token.isBlank()) {
            throw invalid("invalid local token: it is empty");
        }
        requireNotNegative("max wait", maxWait);
        requirePositive("failover timeout", failoverTimeout);
        requireNotNegative("attempt timeout", attemptTimeout);
        requirePositive("idle timeout", idleTimeout);
        requireNotNegative("shutdown timeout", shutdownTimeout);
        if (maxBodyBytes <= 0 || maxBodyBytes > MAX_BODY_LIMIT) {
            throw invalid("invalid max body size " + maxBodyBytes + ": it must be 1 to " + MAX_BODY_LIMIT + " bytes");
        }
        if (maxBufferedBytes <= 0) {
            throw invalid("invalid memory budget for request bodies " + maxBufferedBytes + ": it must be more than 0");
        }
        if (maxInFlightPerKey < 0) {
            throw invalid("invalid per-key concurrency cap " + maxInFlightPerKey + ": it must be 0 (none) or more");
        }
    }

    /** The contract's defaults, with {@code token} as the local token ({@code null} for no auth). */
    public static ProxyConfig defaults(String token) {
        return new ProxyConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_UPSTREAM, token, Duration.ZERO,
                DEFAULT_FAILOVER_TIMEOUT, Duration.ZERO, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_BUFFERED_BYTES, 0,
                DEFAULT_SHUTDOWN_TIMEOUT);
    }

    public ProxyConfig withHost(String v) {
        return new ProxyConfig(v, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withPort(int v) {
        return new ProxyConfig(host, v, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withUpstream(URI v) {
        return new ProxyConfig(host, port, v, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    /** This config with {@code v} as the local token; {@code null} turns auth off. */
    public ProxyConfig withToken(String v) {
        return new ProxyConfig(host, port, upstream, v, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withMaxWait(Duration v) {
        return new ProxyConfig(host, port, upstream, token, v, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withFailoverTimeout(Duration v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, v, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withAttemptTimeout(Duration v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, v, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withIdleTimeout(Duration v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, v,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withMaxBodyBytes(long v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                v, maxBufferedBytes, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withMaxBufferedBytes(long v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, v, maxInFlightPerKey, shutdownTimeout);
    }

    public ProxyConfig withMaxInFlightPerKey(int v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, v, shutdownTimeout);
    }

    public ProxyConfig withShutdownTimeout(Duration v) {
        return new ProxyConfig(host, port, upstream, token, maxWait, failoverTimeout, attemptTimeout, idleTimeout,
                maxBodyBytes, maxBufferedBytes, maxInFlightPerKey, v);
    }

    /** Whether clients must send the local token. */
    public boolean authRequired() {
        return token != null;
    }

    private static URI normalizeUpstream(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw invalid("invalid upstream " + uri + ": it must be an http:// or https:// URL with a host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid("invalid upstream " + uri + ": it must not have a query or fragment");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    private static void requirePositive(String what, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw invalid("invalid " + what + " " + d.toSeconds() + " s: it must be more than 0");
        }
    }

    private static void requireNotNegative(String what, Duration d) {
        if (d.isNegative()) {
            throw invalid("invalid " + what + " " + d.toSeconds() + " s: it must not be negative");
        }
    }

    private static KimiException invalid(String message) {
        return new KimiException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
