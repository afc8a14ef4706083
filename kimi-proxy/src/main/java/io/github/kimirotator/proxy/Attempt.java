package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;

/**
 * One upstream request with one key. Decides at the response headers: below 400 the answer streams to the
 * client; from 400 the body is held (bounded) so that the {@link Exchange} can judge whether it is about the
 * key. Until the headers come, a timer bounds the wait.
 */
final class Attempt implements Response.Listener {
    /** Error bodies are short; anything past this is cut, it is only kept to be shown. */
    static final int ERROR_BODY_LIMIT = 1 << 20;

    private enum Phase { WAITING, STREAMING, BUFFERING, TIMED_OUT }

    private final Exchange exchange;
    private final KeyPool.Lease lease;
    private final org.eclipse.jetty.client.Request upstream;
    private final KeyPool pool;
    private final ScheduledExecutorService timers;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WAITING);
    private final AtomicBoolean released = new AtomicBoolean();
    private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();
    private long sentNanos;
    private long headersNanos;
    private volatile ScheduledFuture<?> timer;

    Attempt(Exchange exchange, KeyPool.Lease lease, org.eclipse.jetty.client.Request upstream, KeyPool pool,
            ScheduledExecutorService timers) {
        this.exchange = exchange;
        this.lease = lease;
        this.upstream = upstream;
        this.pool = pool;
        this.timers = timers;
    }

    KeyPool.Lease lease() {
        return lease;
    }

    /** Sends the request; without response headers within {@code timeoutNanos} it is aborted as a timeout. */
    void send(long timeoutNanos) {
        sentNanos = System.nanoTime();
        timer = timers.schedule(this::timeOut, timeoutNanos, TimeUnit.NANOSECONDS);
        upstream.send(this);
    }

    /** Stops the request because the client is gone. */
    void abort(Throwable cause) {
        upstream.abort(cause);
    }

    private void timeOut() {
        if (phase.compareAndSet(Phase.WAITING, Phase.TIMED_OUT)) {
            upstream.abort(new TimeoutException("no response headers in time"));
        }
    }

    @Override
    public void onHeaders(Response response) {
        Phase next = response.getStatus() < 400 ? Phase.STREAMING : Phase.BUFFERING;
        if (!phase.compareAndSet(Phase.WAITING, next)) {
            return;
        }
        cancelTimer();
        headersNanos = System.nanoTime() - sentNanos;
        if (next == Phase.STREAMING) {
            exchange.streamStarted(this, response, headersNanos);
        }
    }

    @Override
    public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
        if (phase.get() == Phase.STREAMING) {
            exchange.streamChunk(this, response, chunk, demander);
            return;
        }
        if (phase.get() == Phase.BUFFERING) {
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
        if (phase.get() == Phase.STREAMING) {
            exchange.streamEnded();
        }
    }

    @Override
    public void onComplete(Result result) {
        cancelTimer();
        if (released.compareAndSet(false, true)) {
            pool.release(lease);
        }
        long elapsed = System.nanoTime() - sentNanos;
        switch (phase.get()) {
            case STREAMING -> {
                if (result.isFailed()) {
                    exchange.streamFailed(result.getFailure());
                }
            }
            case BUFFERING -> {
                if (result.isFailed()) {
                    exchange.noAnswer(this, "connection lost during the answer: " + describe(result.getFailure()),
                            false, elapsed);
                } else {
                    exchange.answered(this, new Exchange.BufferedAnswer(result.getResponse().getStatus(),
                            result.getResponse().getHeaders(), errorBody.toByteArray()), headersNanos);
                }
            }
            case TIMED_OUT -> exchange.noAnswer(this, "no answer in time", true, elapsed);
            case WAITING -> exchange.noAnswer(this, describe(result.getFailure()), false, elapsed);
            default -> throw new IllegalStateException("unknown phase " + phase.get());
        }
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** A failure in one line, for logs and for the 502 message; never holds a key. */
    private static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown error";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        String kind = root.getClass().getSimpleName();
        return message == null || message.isBlank() ? kind : kind + ": " + message.lines().findFirst().orElse("");
    }
}
