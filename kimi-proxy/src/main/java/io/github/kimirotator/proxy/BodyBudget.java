package io.github.kimirotator.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all request bodies held at once may take ({@code --max-buffered-mib}). Bodies are held whole so
 * that they can be sent again to another key; without a bound, many large bodies at once could take the
 * process past its heap.
 */
final class BodyBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    BodyBudget(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} of the budget; false (taking nothing) when that would pass the limit. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    /** Bytes held now. */
    long used() {
        return used.get();
    }
}
