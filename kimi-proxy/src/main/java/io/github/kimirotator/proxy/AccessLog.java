package io.github.kimirotator.proxy;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one log line per proxied request. It names the key by id only. */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.github.kimirotator.proxy.access");

    private AccessLog() {
    }

    static void log(String method, String path, int status, String note, String keyId, int attempts,
            long upstreamNanos, long arrivalNanos) {
        if (LOG.isInfoEnabled()) {
            LOG.info("{} {} {}{} key={} attempts={} upstream={}ms total={}ms", method, path, status, note, keyId,
                    attempts, TimeUnit.NANOSECONDS.toMillis(upstreamNanos),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - arrivalNanos));
        }
    }
}
