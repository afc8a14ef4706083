package io.github.kimirotator.proxy;

import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.strategies.health.ResponseClassifier;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request on its way through the keys (contract section 3). Until the first byte goes to the
 * client, an answer that is about the key (429, billing, membership, 401/403, 5xx, timeout, connection error)
 * is recorded for that key and the request goes to the next key the strategy picks, each key at most once,
 * within the failover deadline. The first other answer is the client's: a success streams through, a client
 * error is returned as it is.
 */
final class Exchange {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    /** nginx's code for a client that went away; only ever logged, never sent. */
    private static final int CLIENT_CLOSED = 499;
    /** Logged for a request cut by shutdown before it had an answer. */
    private static final int UNAVAILABLE = 503;

    private final Forwarder f;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final URI target;
    private final byte[] body;
    private final Optional<String> sessionId;
    private final long arrivalNanos;
    private final Instant waitUntil;
    private final Set<String> tried = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile long failoverDeadlineNanos;
    private volatile long parkedAtNanos;
    private volatile boolean parkedForTime;
    private volatile int attempts;
    private volatile long upstreamNanos;
    private volatile String keyId = "-";
    private volatile BufferedAnswer lastAnswer;
    private volatile String lastFailure;
    private volatile boolean lastTimedOut;
    private volatile Attempt current;
    private volatile boolean clientGone;
    private volatile int status;
    private volatile ClientWatch watch;
    /** Whether the answer's headers ask the client to close the connection (the watch read its bytes). */
    private volatile boolean closeAnnounced;
    /** Of the success streaming now: its announced length (-1 when none), bytes passed on, time to headers. */
    private long expectedLength = -1;
    private long streamed;
    private long headersNanos;
    private final AtomicBoolean counted = new AtomicBoolean();
    private final AtomicBoolean bodyReleased = new AtomicBoolean();
    /** Reads the tokens used from the answer streaming to the client; null when there is none to read. */
    private final AtomicReference<UsageMeter> usage = new AtomicReference<>();
    private volatile KeyPool.Lease usageLease;

    /** An upstream answer held whole: an error body, small enough to keep for the client. */
    record BufferedAnswer(int status, HttpFields headers, byte[] body) {
    }

    Exchange(Forwarder forwarder, Request request, Response response, Callback callback, URI target, byte[] body,
            long arrivalNanos) {
        this.f = forwarder;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.target = target;
        this.body = body;
        this.sessionId = SessionIds.of(request.getHeaders(), body);
        this.arrivalNanos = arrivalNanos;
        this.waitUntil = forwarder.clock.instant().plus(forwarder.config.maxWait());
        this.failoverDeadlineNanos = arrivalNanos + forwarder.config.failoverTimeout().toNanos();
    }

    /**
     * Starts the exchange: watches for the client leaving (its request was read whole), then picks a key.
     */
    void start() {
        request.addFailureListener(this::clientFailed);
        watch = ClientWatch.start(request.getConnectionMetaData().getConnection().getEndPoint(),
                () -> clientFailed(ClientWatch.gone()));
        next();
    }

    KeyPool pool() {
        return f.pool;
    }

    /** Picks a key and sends, or answers when no key can serve. */
    void next() {
        if (finished.get()) {
            return;
        }
        if (clientGone) {
            abandon();
            return;
        }
        if (System.nanoTime() - failoverDeadlineNanos >= 0) {
            if (tried.isEmpty()) {
                atCapTooLong();
            } else {
                ranOut();
            }
            return;
        }
        CompletionStage<KeyPool.Choice> choice;
        try {
            choice = f.pool.choose(tried, sessionId);
        } catch (RuntimeException e) {
            failedInternally("choose a key", e);
            return;
        }
        // Usually complete already (then this runs here); else on the thread the shared state answered on. What
        // goes wrong in there is answered here: the stage whenComplete returns is not looked at by anyone.
        choice.whenComplete((chosen, failure) -> {
            if (failure != null) {
                failedInternally("choose a key", failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
                return;
            }
            try {
                if (chosen instanceof KeyPool.Lease lease) {
                    attempt(lease);
                } else {
                    noKey((KeyPool.NoKey) chosen);
                }
            } catch (RuntimeException e) {
                failedInternally("send the request", e);
            }
        });
    }

    /** A fault of the proxy itself (not of a key or the upstream): a 500 unless an answer already started. */
    private void failedInternally(String what, Throwable e) {
        LOG.error("could not {}", what, e);
        if (!finished.get() && !response.isCommitted()) {
            answerError(500, ErrorAnswers.API, "the proxy could not " + what + "; its log has the details", null);
        } else {
            fail(e);
        }
    }

    /** Back from {@link Parking}: time spent waiting for a limited key does not count against failover. */
    void resume() {
        if (parkedForTime) {
            failoverDeadlineNanos += System.nanoTime() - parkedAtNanos;
        }
        next();
    }

    /** The client connection failed: stop, without holding it against any key. */
    void clientFailed(Throwable failure) {
        clientGone = true;
        if (f.parking.remove(this)) {
            abandon();
            return;
        }
        Attempt attempt = current;
        if (attempt != null) {
            attempt.abort(failure);
        }
    }

    /** The proxy is stopping while this request waits for a key. */
    void shutDown() {
        answerError(503, ErrorAnswers.API, "the proxy is shutting down", null);
    }

    // --- what an Attempt reports ---

    /**
     * A success's first body byte is here: from now on the answer is the client's. Its status and headers go
     * out with that byte; the body follows as it comes.
     */
    void streamStarted(Attempt attempt, org.eclipse.jetty.client.Response upstream, long elapsedNanos) {
        upstreamNanos += elapsedNanos;
        f.metrics.latency(Duration.ofNanos(elapsedNanos));
        headersNanos = elapsedNanos;
        expectedLength = upstream.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        // No other key will be tried: the body's memory is free for other requests.
        releaseBody();
        status = upstream.getStatus();
        response.setStatus(status);
        Headers.copyToClient(upstream.getHeaders(), response.getHeaders(), true);
        announceCloseIfDataTaken();
        usageLease = attempt.lease();
        usage.set(UsageMeter.forAnswer(upstream.getHeaders().get(HttpHeader.CONTENT_TYPE),
                upstream.getHeaders().get(HttpHeader.CONTENT_ENCODING)).orElse(null));
    }

    /**
     * Passes one chunk on; the upstream is asked for more only once the client has taken it, so a slow client
     * slows the upstream instead of filling memory.
     */
    void streamChunk(Attempt attempt, org.eclipse.jetty.client.Response upstream, Content.Chunk chunk,
            Runnable demander) {
        streamed += chunk.remaining();
        UsageMeter meter = usage.get();
        if (meter != null) {
            meter.accept(chunk.getByteBuffer());
        }
        if (expectedLength >= 0 && streamed >= expectedLength) {
            // The whole announced body is here: counted before its last byte reaches the client, so that the
            // statistics hold it by the time the client has the answer; and the client may send its next
            // request as soon as it has that byte, which is for Jetty's connection to read.
            recordSuccess(attempt);
            countTokens();
            stopWatching();
        }
        chunk.retain();
        response.write(false, chunk.getByteBuffer(), new Callback() {
            @Override
            public void succeeded() {
                chunk.release();
                demander.run();
            }

            @Override
            public void failed(Throwable x) {
                chunk.release();
                clientGone = true;
                upstream.abort(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        });
    }

    /** The upstream's answer ended whole: a success for the key, which took {@code headersNanos} to answer. */
    void streamEnded(Attempt attempt) {
        recordSuccess(attempt);
        countTokens();
        stopWatching();
        response.write(true, BufferUtil.EMPTY_BUFFER, Callback.from(() -> succeed(status), this::fail));
    }

    /**
     * The stream broke after the client got its first byte: all that is left is to break it for the client.
     * Cut by the upstream it is a failed request; cut by the client or by shutdown, the key served well.
     */
    void streamFailed(Attempt attempt, Throwable failure) {
        if (clientGone || f.isStopping()) {
            recordSuccess(attempt);
        } else if (counted.compareAndSet(false, true)) {
            f.pool.record(attempt.lease().key(), new HealthEvent.Failure("the answer was cut short: "
                    + Failures.describe(failure)));
            f.metrics.attempt(attempt.lease().keyId(), "failure");
        }
        countTokens();
        fail(failure);
    }

    /**
     * The attempt met a connection the upstream had closed while it sat in the pool, before any answer byte:
     * that is the connection's fault, not the key's. Sends again once, with the same key, on a new connection.
     *
     * @return false when there is no point (the client is gone, the exchange is over)
     */
    boolean retryFresh(Attempt failed) {
        if (clientGone || finished.get()) {
            return false;
        }
        LOG.debug("a reused upstream connection was closed; sending again on a new one with {}", keyId);
        f.metrics.reuseRetry();
        send(failed.lease(), true);
        return true;
    }

    /** The upstream answered with an error, held whole in {@code answer}. */
    void answered(Attempt attempt, BufferedAnswer answer, long elapsedNanos) {
        upstreamNanos += elapsedNanos;
        String keyId = attempt.lease().keyId();
        f.metrics.latency(Duration.ofNanos(elapsedNanos));
        Optional<HealthEvent> event = ResponseClassifier.classify(answer.status(),
                ErrorBodies.text(answer.body(), answer.headers().get(HttpHeader.CONTENT_ENCODING)),
                answer.headers().get(HttpHeader.RETRY_AFTER), f.clock.instant());
        if (event.isEmpty()) {
            f.metrics.attempt(keyId, ProxyMetrics.CLIENT_ERROR);
            sendBuffered(answer);
            return;
        }
        f.pool.record(attempt.lease().key(), event.get());
        f.metrics.attempt(keyId, ProxyMetrics.outcome(event.get()));
        tried.add(attempt.lease().key());
        lastAnswer = answer;
        next();
    }

    /** The attempt ended without an answer: a connection error, a malformed answer or a timeout. */
    void noAnswer(Attempt attempt, String reason, boolean timedOut, long elapsedNanos) {
        upstreamNanos += elapsedNanos;
        if (clientGone) {
            abandon();
            return;
        }
        f.pool.record(attempt.lease().key(), new HealthEvent.Failure(reason));
        f.metrics.attempt(attempt.lease().keyId(), "failure");
        tried.add(attempt.lease().key());
        lastFailure = reason;
        lastTimedOut = timedOut;
        next();
    }

    // --- internals ---

    private void attempt(KeyPool.Lease lease) {
        attempts++;
        keyId = lease.keyId();
        if (attempts > 1) {
            f.metrics.failover();
        }
        send(lease, false);
    }

    private void send(KeyPool.Lease lease, boolean fresh) {
        long remaining = failoverDeadlineNanos - System.nanoTime();
        long perAttempt = f.config.attemptTimeout().toNanos();
        long timeout = perAttempt > 0 ? Math.min(perAttempt, remaining) : remaining;
        Attempt attempt;
        try {
            attempt = new Attempt(this, lease, f.newUpstreamRequest(request, target, body, lease.key()), f.upstream,
                    f.timers, fresh);
        } catch (RuntimeException e) {
            // No attempt owns the lease yet: give the key back here (the caller answers the fault).
            f.pool.release(lease);
            throw e;
        }
        current = attempt;
        attempt.send(Math.max(timeout, TimeUnit.MILLISECONDS.toNanos(1)));
        if (clientGone) {
            attempt.abort(ClientWatch.gone());
        }
    }

    /** Counts the streamed answer as a success, once. */
    private void recordSuccess(Attempt attempt) {
        if (!counted.compareAndSet(false, true)) {
            return;
        }
        f.pool.record(attempt.lease().key(), new HealthEvent.Success(Duration.ofNanos(headersNanos).toMillis()));
        f.metrics.attempt(attempt.lease().keyId(), "success");
    }

    /** The tokens the answer reported, once, whether its stream ended well or not: they were spent. */
    private void countTokens() {
        UsageMeter meter = usage.getAndSet(null);
        if (meter != null) {
            meter.usage().ifPresent(used -> {
                f.pool.record(usageLease.key(), new HealthEvent.TokensUsed(used));
                f.metrics.tokens(usageLease.keyId(), used);
            });
        }
    }

    private void noKey(KeyPool.NoKey none) {
        if (none.reason() == KeyPool.Reason.NO_KEYS) {
            answerError(503, ErrorAnswers.API, "no API keys are configured: add one with `kimi-rotator add-key KEY`",
                    null);
            return;
        }
        if (none.reason() == KeyPool.Reason.AT_CAP) {
            park(null);
            return;
        }
        Optional<Instant> soonest = none.soonestFree();
        if (soonest.isPresent() && !soonest.get().isAfter(waitUntil)) {
            park(soonest.get());
            return;
        }
        if (!tried.isEmpty()) {
            ranOut();
        } else if (none.reason() == KeyPool.Reason.ALL_LIMITED && soonest.isPresent()) {
            long seconds = retryAfterSeconds(soonest.get());
            answerError(429, ErrorAnswers.RATE_LIMIT, "every key is limited for now (rate, billing or"
                    + " membership); the first one frees up in " + seconds + " s", seconds);
        } else {
            answerError(503, ErrorAnswers.API, "no key can be used: every key is disabled or limited; re-enable"
                    + " them with `kimi-rotator clear-limits all` or add one with `kimi-rotator add-key KEY`", null);
        }
    }

    private void park(Instant wakeAt) {
        parkedAtNanos = System.nanoTime();
        parkedForTime = wakeAt != null;
        current = null;
        if (wakeAt == null) {
            f.parking.untilSlot(this);
        } else {
            f.parking.untilTime(this, wakeAt);
        }
        if (clientGone && f.parking.remove(this)) {
            abandon();
        } else if (f.isStopping() && f.parking.remove(this)) {
            // The key choice completed (on the shared state's thread) after close answered the waiting requests:
            // answered as they were, not left parked until the shutdown time cuts it.
            shutDown();
        }
    }

    /**
     * Only waiting for a slot under the per-key cap can use up the failover time before any attempt: waits
     * for a limited key do not count against it.
     */
    private void atCapTooLong() {
        answerError(429, ErrorAnswers.RATE_LIMIT, "every usable key already carries "
                + f.config.maxInFlightPerKey() + " requests", 1L);
    }

    /** Failover is over without a success: the last upstream answer, or what went wrong if there was none. */
    private void ranOut() {
        BufferedAnswer last = lastAnswer;
        if (last != null) {
            sendBuffered(last);
        } else if (lastTimedOut) {
            answerError(504, ErrorAnswers.API, "the upstream " + f.config.upstream().getHost()
                    + " did not answer in time with any key", null);
        } else {
            answerError(502, ErrorAnswers.API, "the upstream " + f.config.upstream().getHost()
                    + " could not be reached: " + lastFailure, null);
        }
    }

    private long retryAfterSeconds(Instant soonest) {
        long millis = Duration.between(f.clock.instant(), soonest).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    private void sendBuffered(BufferedAnswer answer) {
        stopWatching();
        status = answer.status();
        response.setStatus(answer.status());
        Headers.copyToClient(answer.headers(), response.getHeaders(), false);
        announceCloseIfDataTaken();
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.body().length);
        response.write(true, ByteBuffer.wrap(answer.body()), Callback.from(() -> succeed(answer.status()), this::fail));
    }

    private void answerError(int code, String type, String message, Long retryAfterSeconds) {
        stopWatching();
        announceCloseIfDataTaken();
        status = code;
        if (retryAfterSeconds != null) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
        }
        ErrorAnswers.send(response, Callback.from(() -> succeed(code), this::fail), code, type, message);
    }

    private void abandon() {
        status = CLIENT_CLOSED;
        fail(new EofException("the client went away"));
    }

    private void succeed(int code) {
        if (finished.compareAndSet(false, true)) {
            done();
            log(code, "");
            if (tookDataUnannounced()) {
                // A pipelined next request was read by the watch after this answer's headers had gone: the
                // connection must not be reused. The client reads the whole answer, then the end of the stream.
                request.getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
            }
            callback.succeeded();
        }
    }

    private void fail(Throwable failure) {
        if (finished.compareAndSet(false, true)) {
            done();
            if (f.isStopping()) {
                log(status == 0 ? UNAVAILABLE : status, " cut by shutdown");
            } else {
                log(clientGone ? CLIENT_CLOSED : status, " aborted");
            }
            callback.failed(failure);
        }
    }

    /** Jetty's connection reads again once the answer is done; the body's memory is free. */
    private void done() {
        stopWatching();
        releaseBody();
    }

    private void releaseBody() {
        if (bodyReleased.compareAndSet(false, true)) {
            f.budget.release(body.length);
        }
    }

    /**
     * Asks the client to close the connection after this answer when the watch read bytes of a next request
     * (its headers are not sent yet).
     */
    private void announceCloseIfDataTaken() {
        ClientWatch w = watch;
        if (w != null && w.tookData()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            closeAnnounced = true;
        }
    }

    /** Whether the watch read bytes of a next request (final: it stopped) that no Connection: close covers. */
    private boolean tookDataUnannounced() {
        ClientWatch w = watch;
        return w != null && w.tookData() && !closeAnnounced;
    }

    private void stopWatching() {
        ClientWatch w = watch;
        if (w != null) {
            w.stop();
        }
    }

    private void log(int code, String note) {
        f.metrics.answered(code);
        AccessLog.log(request.getMethod(), request.getHttpURI().getPath(), code, note, keyId, attempts,
                upstreamNanos, arrivalNanos);
    }
}
