package io.github.kimirotator.proxy;

import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * What every {@link Exchange} shares: the configuration, the key pool, the upstream client, timers and the
 * memory budget for request bodies.
 */
final class Forwarder {
    final ProxyConfig config;
    final KeyPool pool;
    final Parking parking;
    final ProxyMetrics metrics;
    final ScheduledExecutorService timers;
    final Clock clock;
    final UpstreamClient upstream;
    final BodyBudget budget;
    private final String upstreamBase;
    /** The last target made, by its path and query: clients send nearly every request to the same path. */
    private volatile Target lastTarget = new Target(null, null, null);
    private volatile boolean stopping;

    Forwarder(ProxyConfig config, KeyPool pool, Parking parking, ProxyMetrics metrics, UpstreamClient upstream,
            ScheduledExecutorService timers, Clock clock) {
        this.config = config;
        this.pool = pool;
        this.parking = parking;
        this.metrics = metrics;
        this.upstream = upstream;
        this.timers = timers;
        this.clock = clock;
        this.budget = new BodyBudget(config.maxBufferedBytes());
        this.upstreamBase = config.upstream().toString();
    }

    /** The proxy is shutting down: what breaks from now on was cut by it. */
    void stopping() {
        stopping = true;
    }

    boolean isStopping() {
        return stopping;
    }

    /**
     * The upstream URI of a client request: the upstream base, then the request's path and query exactly as
     * the client encoded them.
     *
     * @throws IllegalArgumentException when they do not make a valid URI
     */
    URI target(Request request) {
        String path = request.getHttpURI().getPath();
        String query = request.getHttpURI().getQuery();
        Target last = lastTarget;
        if (last.uri() != null && Objects.equals(path, last.path()) && Objects.equals(query, last.query())) {
            return last.uri();
        }
        URI uri = URI.create(upstreamBase + path + (query == null ? "" : "?" + query));
        lastTarget = new Target(path, query, uri);
        return uri;
    }

    private record Target(String path, String query, URI uri) {
    }

    /** The upstream request for one attempt with {@code key}; each attempt gets a new one. */
    org.eclipse.jetty.client.Request newUpstreamRequest(Request request, URI target, byte[] body, String key) {
        HttpFields headers = request.getHeaders();
        org.eclipse.jetty.client.Request upstream = this.upstream.http().newRequest(target)
                .method(request.getMethod())
                .headers(h -> Headers.copyToUpstream(headers, h, key))
                .idleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (body.length > 0) {
            upstream.body(new BytesRequestContent(headers.get(HttpHeader.CONTENT_TYPE), body));
        }
        return upstream;
    }
}
