package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Promise;

/**
 * One upstream request with one key. Decides at the response headers: below 400 the answer is the client's,
 * and goes out with its first body byte; from 400 the body is held (bounded) so that the {@link Exchange} can
 * judge whether it is about the key. Until the first byte goes to the client, a timer bounds the wait and any
 * failure can still fail over.
 */
final class Attempt implements Response.Listener {
    /** Error bodies are short; anything past this is cut, it is only kept to be shown. */
    static final int ERROR_BODY_LIMIT = 1 << 20;

    private enum Phase {
        /** No answer yet. */
        WAITING,
        /** A success's headers came; nothing has gone to the client yet. */
        STARTING,
        /** The answer is going to the client. */
        STREAMING,
        /** An error answer is being held. */
        BUFFERING,
        TIMED_OUT
    }

    private final Exchange exchange;
    private final KeyPool.Lease lease;
    private final org.eclipse.jetty.client.Request upstream;
    private final UpstreamClient client;
    private final ScheduledExecutorService timers;
    /** Whether this attempt runs on a connection of its own, made for it after a reuse race. */
    private final boolean fresh;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WAITING);
    private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();
    private long sentNanos;
    private long headersNanos;
    private volatile boolean reused;
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;

    Attempt(Exchange exchange, KeyPool.Lease lease, org.eclipse.jetty.client.Request upstream, UpstreamClient client,
            ScheduledExecutorService timers, boolean fresh) {
        this.exchange = exchange;
        this.lease = lease;
        this.upstream = upstream;
        this.client = client;
        this.timers = timers;
        this.fresh = fresh;
    }

    KeyPool.Lease lease() {
        return lease;
    }

    /**
     * Sends the request; without its first answer byte for the client within {@code timeoutNanos} it is
     * aborted as a timeout.
     */
    void send(long timeoutNanos) {
        sentNanos = System.nanoTime();
        try {
            timer = timers.schedule(this::timeOut, timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The proxy has closed (a key choice that completed late): never sent, so nothing else gives the key back.
            exchange.pool().release(lease);
            throw e;
        }
        if (!fresh) {
            upstream.onRequestBegin(r -> reused = client.markUsed(r.getConnection()));
            upstream.send(this);
            return;
        }
        upstream.onResponseListener(this);
        client.http().resolveDestination(upstream).newConnection(new Promise<>() {
            @Override
            public void succeeded(Connection connection) {
                client.markUsed(connection);
                connection.send(upstream, result -> connection.close());
            }

            @Override
            public void failed(Throwable failure) {
                // A request never sent completes nowhere else: report it here.
                onComplete(new Result(upstream, failure, null, null));
            }
        });
    }

    /** Stops the request because the client is gone. */
    void abort(Throwable cause) {
        upstream.abort(cause);
    }

    private void timeOut() {
        if (phase.compareAndSet(Phase.WAITING, Phase.TIMED_OUT) || phase.compareAndSet(Phase.STARTING,
                Phase.TIMED_OUT)) {
            upstream.abort(new TimeoutException("no response in time"));
        }
    }

    @Override
    public void onHeaders(Response response) {
        Phase next = response.getStatus() < 400 ? Phase.STARTING : Phase.BUFFERING;
        if (!phase.compareAndSet(Phase.WAITING, next)) {
            return;
        }
        headersNanos = System.nanoTime() - sentNanos;
        if (next == Phase.BUFFERING) {
            cancelTimer();
        }
    }

    @Override
    public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
        Phase now = phase.get();
        if (now == Phase.STARTING && start(response)) {
            now = Phase.STREAMING;
        }
        if (now == Phase.STREAMING) {
            exchange.streamChunk(this, response, chunk, demander);
            return;
        }
        if (now == Phase.BUFFERING) {
            ByteBuffer buffer = chunk.getByteBuffer();
            int take = Math.min(buffer.remaining(), ERROR_BODY_LIMIT - errorBody.size());
            byte[] bytes = new byte[take];
            buffer.get(bytes);
            errorBody.write(bytes, 0, take);
        }
        demander.run();
    }

    @Override
    public void onSuccess(Response response) {
        if (phase.get() == Phase.STARTING) {
            start(response);
        }
        if (phase.get() == Phase.STREAMING) {
            exchange.streamEnded(this);
        }
    }

    /** The first byte of a success goes out: from here on the answer is the client's. */
    private boolean start(Response response) {
        if (!phase.compareAndSet(Phase.STARTING, Phase.STREAMING)) {
            return false;
        }
        cancelTimer();
        exchange.streamStarted(this, response, headersNanos);
        return true;
    }

    @Override
    public void onComplete(Result result) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        cancelTimer();
        long elapsed = System.nanoTime() - sentNanos;
        Phase last = phase.get();
        if (last == Phase.WAITING && result.isFailed() && reused && !fresh && exchange.retryFresh(this)) {
            // A connection the upstream had closed while it sat in the pool: the same key, on a new connection.
            return;
        }
        if (last == Phase.STREAMING) {
            if (result.isFailed()) {
                exchange.streamFailed(this, result.getFailure());
            }
            exchange.pool().release(lease);
            return;
        }
        exchange.pool().release(lease);
        switch (last) {
            case BUFFERING -> {
                if (result.isFailed()) {
                    exchange.noAnswer(this, "connection lost during the answer: "
                            + Failures.describe(result.getFailure()), false, elapsed);
                } else {
                    exchange.answered(this, new Exchange.BufferedAnswer(result.getResponse().getStatus(),
                            result.getResponse().getHeaders(), errorBody.toByteArray()), headersNanos);
                }
            }
            case STARTING -> exchange.noAnswer(this, "connection lost before the answer's body: "
                    + Failures.describe(result.getFailure()), false, elapsed);
            case TIMED_OUT -> exchange.noAnswer(this, "no answer in time", true, elapsed);
            default -> exchange.noAnswer(this, Failures.describe(result.getFailure()), false, elapsed);
        }
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }
}
