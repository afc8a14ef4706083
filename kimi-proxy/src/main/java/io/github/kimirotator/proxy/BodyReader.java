package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body into memory without blocking a thread, up to a limit per body and within the memory
 * budget of all bodies. The body is held whole so that it can be sent again to another key; reading stops as
 * soon as it passes the limit or the budget.
 */
final class BodyReader implements Runnable {

    /** What becomes of the body. */
    interface Outcome {
        /** The whole body; read within a budget, it holds {@code body.length} bytes of it until released. */
        void body(byte[] body);

        void tooLarge();

        void failed(Throwable failure);

        /** The bodies held now leave no room for this one (only when read within a budget). */
        default void overBudget() {
            failed(new IllegalStateException("no memory left for the request body"));
        }
    }

    /** For small bodies of the proxy's own endpoints, which the limit alone bounds. */
    private static final BodyBudget UNBOUNDED = new BodyBudget(Long.MAX_VALUE);

    private final Request request;
    private final long limit;
    private final BodyBudget budget;
    private final Outcome outcome;
    /** The body when its length was announced: read straight into its final array. */
    private final byte[] exact;
    private final ByteArrayOutputStream out;
    private int filled;
    private long reserved;
    /** Over the budget: the rest of the body is read and dropped, so that the client can read the answer. */
    private boolean discarding;

    private BodyReader(Request request, long limit, BodyBudget budget, Outcome outcome, long expected) {
        this.request = request;
        this.limit = limit;
        this.budget = budget;
        this.outcome = outcome;
        this.exact = expected >= 0 ? new byte[(int) expected] : null;
        this.out = expected >= 0 ? null : new ByteArrayOutputStream(1024);
        this.reserved = expected > 0 ? expected : 0;
    }

    /** Reads {@code request}'s body and reports it to {@code outcome}, on whatever thread has the content. */
    static void read(Request request, long limit, Outcome outcome) {
        read(request, limit, UNBOUNDED, outcome);
    }

    /** As {@link #read(Request, long, Outcome)}, holding the body's bytes in {@code budget}. */
    static void read(Request request, long limit, BodyBudget budget, Outcome outcome) {
        long expected = request.getLength();
        if (expected > limit) {
            outcome.tooLarge();
            return;
        }
        if (expected > 0 && !budget.tryReserve(expected)) {
            BodyReader discarding = new BodyReader(request, limit, budget, outcome, -1);
            discarding.discarding = true;
            discarding.run();
            return;
        }
        new BodyReader(request, limit, budget, outcome, expected).run();
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                budget.release(reserved);
                outcome.failed(chunk.getFailure());
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            boolean last = chunk.isLast();
            int n = buffer.remaining();
            if (discarding) {
                filled += n;
                chunk.release();
                if (last || filled > limit) {
                    outcome.overBudget();
                    return;
                }
                continue;
            }
            if (exact != null) {
                if (filled + (long) n > exact.length) {
                    chunk.release();
                    budget.release(reserved);
                    outcome.failed(new IllegalStateException("the body is longer than its Content-Length"));
                    return;
                }
                buffer.get(exact, filled, n);
            } else {
                if (out.size() + (long) n > limit) {
                    chunk.release();
                    budget.release(reserved);
                    outcome.tooLarge();
                    return;
                }
                if (!budget.tryReserve(n)) {
                    chunk.release();
                    budget.release(reserved);
                    reserved = 0;
                    discarding = true;
                    if (last) {
                        outcome.overBudget();
                        return;
                    }
                    continue;
                }
                reserved += n;
                byte[] bytes = new byte[n];
                buffer.get(bytes);
                out.write(bytes, 0, n);
            }
            filled += n;
            chunk.release();
            if (last) {
                outcome.body(exact != null ? exact : out.toByteArray());
                return;
            }
        }
    }
}
