package io.github.kimirotator.proxy;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The HTTP client that talks to the upstream, and which of its connections have carried a request before (a
 * failure on such a connection before any answer byte is a reuse race, not the key's fault).
 */
final class UpstreamClient {
    /**
     * How long a pooled upstream connection may sit idle. Front ends and load balancers close idle kept-alive
     * connections (Node after 5 s, many after 60 s) with a plain FIN; a short pool timeout makes the proxy the
     * one that closes first, which keeps reuse races rare. Streams have their own, long idle timeout.
     */
    static final Duration POOLED_IDLE_TIMEOUT = Duration.ofSeconds(4);

    /** Bytes read from an upstream connection at a time. */
    static final int RESPONSE_BUFFER_SIZE = 4096;

    /**
     * The buffer a request's headers are written into (Jetty's limit for them, 8 KB, so requests are refused
     * exactly as before); the only buffers that are pooled.
     */
    static final int REQUEST_BUFFER_SIZE = 8192;

    /** Connections that carried a request, weakly held so that closed ones go away with their objects. */
    private final Map<Connection, Boolean> used = Collections.synchronizedMap(new WeakHashMap<>());
    private final HttpClient client;

    /**
     * @param executor runs the client's work; {@code null} for a pool of its own
     * @param scheduler the client's timers; {@code null} for one of its own
     */
    UpstreamClient(Executor executor, Scheduler scheduler) {
        this.client = create(executor, scheduler);
    }

    HttpClient http() {
        return client;
    }

    /**
     * Records that {@code connection} carries a request now; true when it had carried one before, so that
     * it was a reused (pooled) connection.
     */
    boolean markUsed(Connection connection) {
        return connection != null && used.put(connection, Boolean.TRUE) != null;
    }

    /**
     * The upstream client as the proxy configures it: HTTP/1.1 first, HTTP/2 through ALPN, no redirects,
     * cookies, user agent or decoding.
     */
    static HttpClient create(Executor executor, Scheduler scheduler) {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client());
        if (executor != null) {
            connector.setExecutor(executor);
        }
        if (scheduler != null) {
            connector.setScheduler(scheduler);
        }
        // Work-around for a Jetty 12.1.14 bug (seen on 12.1.14, the newest 12.1 release at the time): when the
        // upstream closes a reused HTTP/1.1 connection, the client returns that connection's read buffer to the
        // pool while still reading from it, and another response's unread bytes are overwritten (bodies cut
        // short after a 200, "newPosition > limit", "bad response" on valid answers, requests that never end).
        // A pool that never hands a read buffer out twice cannot mix two responses up. Heap buffers keep the cost
        // of a fresh buffer per read small. TestJettyBufferPoolWorkaround fails when this is removed; drop it
        // once a Jetty release fixes the bug and that test passes without it. Request headers, written into a
        // buffer of their own size that no read uses and released once written, come from a pool (a fresh 4 KB
        // one per request was a tenth of what the proxy allocated per request).
        ByteBufferPool buffers = new ReadsNotPooled(REQUEST_BUFFER_SIZE);
        connector.setByteBufferPool(buffers);
        // HTTP/1.1 first: it is what a clear-text upstream speaks; over TLS, ALPN lets the upstream pick HTTP/2.
        var http2 = new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector));
        var transport = new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11, http2);
        // The proxy's listeners never block (they hand bytes on asynchronously and take a lock only briefly),
        // so answers are handled on the thread that read them instead of being handed to another one.
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        HttpClient client = new HttpClient(transport);
        client.setByteBufferPool(buffers);
        // Without pooling every read takes a fresh buffer: 4 KB instead of Jetty's 16 KB default, since answers
        // mostly come as small SSE events (a 16 KB buffer per read was the largest allocation per request).
        client.setResponseBufferSize(RESPONSE_BUFFER_SIZE);
        client.setRequestBufferSize(REQUEST_BUFFER_SIZE);
        client.setUseInputDirectByteBuffers(false);
        client.setUseOutputDirectByteBuffers(false);
        if (executor != null) {
            client.setExecutor(executor);
        }
        if (scheduler != null) {
            client.setScheduler(scheduler);
        }
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(256);
        client.setIdleTimeout(POOLED_IDLE_TIMEOUT.toMillis());
        return client;
    }

    /** Buffers of one size (request headers) from a pool; every other one (reads among them) new each time. */
    static final class ReadsNotPooled extends ByteBufferPool.Wrapper {
        private final int pooledSize;
        private final ByteBufferPool notPooling = new ByteBufferPool.NonPooling();

        ReadsNotPooled(int pooledSize) {
            super(new ArrayByteBufferPool(pooledSize, pooledSize, pooledSize, 64));
            this.pooledSize = pooledSize;
        }

        @Override
        public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
            return size == pooledSize ? super.acquire(size, direct) : notPooling.acquire(size, direct);
        }
    }

    /** Starts it as the proxy needs it: bodies pass through as encoded, and every 401 and redirect as it is. */
    void start() throws Exception {
        client.start();
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
    }

    void stop() throws Exception {
        client.stop();
    }
}
