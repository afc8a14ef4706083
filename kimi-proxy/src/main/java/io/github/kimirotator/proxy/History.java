package io.github.kimirotator.proxy;

import io.github.kimirotator.api.TokenUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last hour of traffic, per minute, in memory only: upstream attempts per key id, failovers, upstream
 * latency (p50/p95) and tokens per key id. A ring of {@link #MINUTES} slots, each reused when its minute comes
 * round again, so memory is bounded by the number of keys and nothing is written per request. Time comes from
 * the injected clock. Thread-safe.
 */
final class History {
    static final int MINUTES = 60;
    /** Latency buckets grow by 2^(1/4), about 19 %: a percentile is the upper bound of its bucket. */
    private static final int BUCKETS_PER_DOUBLING = 4;
    private static final int BUCKETS = 22 * BUCKETS_PER_DOUBLING;

    private final Clock clock;
    private final Slot[] ring = new Slot[MINUTES];

    History(Clock clock) {
        this.clock = clock;
    }

    /** One minute of the ring. */
    private static final class Slot {
        long minute = Long.MIN_VALUE;
        final Map<String, Long> requests = new TreeMap<>();
        final Map<String, Long> tokens = new TreeMap<>();
        final long[] latency = new long[BUCKETS];
        long latencyCount;
        long failovers;

        void reset(long newMinute) {
            minute = newMinute;
            requests.clear();
            tokens.clear();
            java.util.Arrays.fill(latency, 0);
            latencyCount = 0;
            failovers = 0;
        }
    }

    /** One minute as the history endpoint shows it. Component names are the JSON field names. */
    record Minute(String start, Map<String, Long> requests, long failovers, Long latencyP50Ms, Long latencyP95Ms,
            Map<String, Long> tokens) {
    }

    /** The whole hour, oldest minute first. */
    record Snapshot(String now, List<Minute> minutes) {
    }

    synchronized void attempt(String keyId) {
        current().requests.merge(keyId, 1L, Long::sum);
    }

    synchronized void failover() {
        current().failovers++;
    }

    synchronized void latency(Duration elapsed) {
        Slot slot = current();
        slot.latency[bucket(elapsed.toMillis())]++;
        slot.latencyCount++;
    }

    synchronized void tokens(String keyId, TokenUsage used) {
        if (used.total() > 0) {
            current().tokens.merge(keyId, used.total(), Long::sum);
        }
    }

    /** The last {@link #MINUTES} minutes up to the current one, empty minutes included. */
    synchronized Snapshot snapshot() {
        Instant now = clock.instant();
        long thisMinute = minuteOf(now.toEpochMilli());
        List<Minute> minutes = new ArrayList<>(MINUTES);
        for (long m = thisMinute - MINUTES + 1; m <= thisMinute; m++) {
            Slot slot = ring[index(m)];
            String start = Instant.ofEpochSecond(m * 60).toString();
            if (slot == null || slot.minute != m) {
                minutes.add(new Minute(start, Map.of(), 0, null, null, Map.of()));
            } else {
                minutes.add(new Minute(start, Map.copyOf(slot.requests), slot.failovers,
                        percentile(slot, 0.50), percentile(slot, 0.95), Map.copyOf(slot.tokens)));
            }
        }
        return new Snapshot(now.toString(), minutes);
    }

    private Slot current() {
        long minute = minuteOf(clock.millis());
        int i = index(minute);
        Slot slot = ring[i];
        if (slot == null) {
            slot = new Slot();
            ring[i] = slot;
        }
        if (slot.minute != minute) {
            slot.reset(minute);
        }
        return slot;
    }

    private static long minuteOf(long epochMillis) {
        return Math.floorDiv(epochMillis, 60_000L);
    }

    private static int index(long minute) {
        return (int) Math.floorMod(minute, (long) MINUTES);
    }

    /** Bucket {@code i} holds latencies up to {@code 2^(i/4)} ms; bucket 0 holds up to 1 ms. */
    static int bucket(long millis) {
        if (millis <= 1) {
            return 0;
        }
        int i = (int) Math.ceil(BUCKETS_PER_DOUBLING * (Math.log(millis) / Math.log(2)));
        return Math.min(BUCKETS - 1, i);
    }

    static long upperBound(int bucket) {
        return Math.round(Math.pow(2, (double) bucket / BUCKETS_PER_DOUBLING));
    }

    private static Long percentile(Slot slot, double p) {
        if (slot.latencyCount == 0) {
            return null;
        }
        long rank = (long) Math.ceil(p * slot.latencyCount);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += slot.latency[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }
}
