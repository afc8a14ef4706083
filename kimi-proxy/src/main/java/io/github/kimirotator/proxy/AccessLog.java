package io.github.kimirotator.proxy;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log line per proxied request. It names the key by id only. Lines are written by a thread of their
 * own: the logger's date formatting and the write to stderr are serialised, and request threads would queue
 * up behind each other there. Under load the writer drains the queue every few milliseconds without being
 * woken; when idle it sleeps until the next line.
 */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.github.kimirotator.proxy.access");
    private static final long BUSY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final Queue<String> LINES = new ConcurrentLinkedQueue<>();
    private static final AtomicBoolean SLEEPING = new AtomicBoolean();
    private static final Object WRITING = new Object();
    private static final Thread WRITER = new Thread(AccessLog::writeLoop, "kimi-proxy-access-log");

    static {
        WRITER.setDaemon(true);
        WRITER.start();
    }

    private AccessLog() {
    }

    static void log(String method, String path, int status, String note, String keyId, int attempts,
            long upstreamNanos, long arrivalNanos) {
        if (LOG.isInfoEnabled()) {
            LINES.add(method + ' ' + path + ' ' + status + note + " key=" + keyId + " attempts=" + attempts
                    + " upstream=" + TimeUnit.NANOSECONDS.toMillis(upstreamNanos) + "ms total="
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - arrivalNanos) + "ms");
            if (SLEEPING.get() && SLEEPING.compareAndSet(true, false)) {
                LockSupport.unpark(WRITER);
            }
        }
    }

    /** Writes every line logged so far, on the calling thread; for shutdown. */
    static void flush() {
        drain();
    }

    private static void writeLoop() {
        while (true) {
            if (drain()) {
                LockSupport.parkNanos(BUSY_PAUSE_NANOS);
                continue;
            }
            SLEEPING.set(true);
            if (LINES.isEmpty()) {
                LockSupport.park();
            }
            SLEEPING.set(false);
        }
    }

    /** Writes what is queued; false when there was nothing. */
    private static boolean drain() {
        synchronized (WRITING) {
            boolean any = false;
            String line;
            while ((line = LINES.poll()) != null) {
                LOG.info(line);
                any = true;
            }
            return any;
        }
    }
}
