package io.github.kimirotator.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body into memory without blocking a thread, up to a limit. The body is held whole so that
 * it can be sent again to another key; reading stops as soon as it passes the limit.
 */
final class BodyReader implements Runnable {

    /** What becomes of the body. */
    interface Outcome {
        void body(byte[] body);

        void tooLarge();

        void failed(Throwable failure);
    }

    private final Request request;
    private final long limit;
    private final Outcome outcome;
    private final ByteArrayOutputStream out;

    private BodyReader(Request request, long limit, Outcome outcome) {
        this.request = request;
        this.limit = limit;
        this.outcome = outcome;
        long expected = request.getLength();
        this.out = new ByteArrayOutputStream(expected > 0 ? (int) Math.min(expected, limit) : 1024);
    }

    /** Reads {@code request}'s body and reports it to {@code outcome}, on whatever thread has the content. */
    static void read(Request request, long limit, Outcome outcome) {
        if (request.getLength() > limit) {
            outcome.tooLarge();
            return;
        }
        new BodyReader(request, limit, outcome).run();
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
                outcome.failed(chunk.getFailure());
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            boolean last = chunk.isLast();
            if (out.size() + (long) buffer.remaining() > limit) {
                chunk.release();
                outcome.tooLarge();
                return;
            }
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            out.write(bytes, 0, bytes.length);
            chunk.release();
            if (last) {
                outcome.body(out.toByteArray());
                return;
            }
        }
    }
}
