package io.github.kimirotator.proxy;

import java.net.URI;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/** What every {@link Exchange} shares: the configuration, the key pool, the upstream client and timers. */
final class Forwarder {
    final ProxyConfig config;
    final KeyPool pool;
    final Parking parking;
    final ProxyMetrics metrics;
    final ScheduledExecutorService timers;
    final Clock clock;
    private final HttpClient client;
    private final String upstreamBase;

    Forwarder(ProxyConfig config, KeyPool pool, Parking parking, ProxyMetrics metrics, HttpClient client,
            ScheduledExecutorService timers, Clock clock) {
        this.config = config;
        this.pool = pool;
        this.parking = parking;
        this.metrics = metrics;
        this.client = client;
        this.timers = timers;
        this.clock = clock;
        this.upstreamBase = config.upstream().toString();
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
        return URI.create(upstreamBase + path + (query == null ? "" : "?" + query));
    }

    /** The upstream request for one attempt with {@code key}; each attempt gets a new one. */
    org.eclipse.jetty.client.Request newUpstreamRequest(Request request, URI target, byte[] body, String key) {
        HttpFields headers = request.getHeaders();
        org.eclipse.jetty.client.Request upstream = client.newRequest(target)
                .method(request.getMethod())
                .headers(h -> Headers.copyToUpstream(headers, h, key))
                .idleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (body.length > 0) {
            upstream.body(new BytesRequestContent(headers.get(HttpHeader.CONTENT_TYPE), body));
        }
        return upstream;
    }
}
