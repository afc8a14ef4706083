package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.TokenUsage;
import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TestHistory {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:30Z"));
    private final History history = new History(clock);

    @Test
    void eachMinuteHasItsOwnCountsAndOldMinutesFallOutOfTheHour() {
        history.attempt("k-a");
        history.attempt("k-a");
        history.tokens("k-a", new TokenUsage(10, 5, 100, 0));
        clock.advance(Duration.ofMinutes(1));
        history.attempt("k-b");
        history.failover();

        History.Snapshot now = history.snapshot();
        assertThat(now.minutes()).hasSize(History.MINUTES);
        History.Minute first = now.minutes().get(History.MINUTES - 2);
        assertThat(first.start()).isEqualTo("2026-03-10T10:00:00Z");
        assertThat(first.requests()).containsExactlyEntriesOf(java.util.Map.of("k-a", 2L));
        assertThat(first.tokens()).containsExactlyEntriesOf(java.util.Map.of("k-a", 15L));
        assertThat(now.minutes().get(History.MINUTES - 1).failovers()).isEqualTo(1);

        // 59 minutes later the first minute is the oldest shown; one more and it is gone, its slot reused
        clock.advance(Duration.ofMinutes(58));
        assertThat(history.snapshot().minutes().get(0).requests()).containsEntry("k-a", 2L);
        clock.advance(Duration.ofMinutes(1));
        history.attempt("k-c");
        History.Snapshot later = history.snapshot();
        assertThat(later.minutes()).noneMatch(m -> m.requests().containsKey("k-a"));
        assertThat(later.minutes().get(History.MINUTES - 1).requests()).containsExactlyEntriesOf(java.util.Map.of("k-c", 1L));
        assertThat(later.minutes().get(0).start()).isEqualTo("2026-03-10T10:01:00Z");
    }

    @Test
    void latencyPercentilesPerMinute() {
        for (int i = 1; i <= 100; i++) {
            history.latency(Duration.ofMillis(i * 10L));
        }
        History.Minute m = history.snapshot().minutes().get(History.MINUTES - 1);
        // buckets are 2^(1/4) wide: the value shown is the bucket's upper bound, within 19 % above the truth
        assertThat(m.latencyP50Ms()).isBetween(500L, 595L);
        assertThat(m.latencyP95Ms()).isBetween(950L, 1130L);
        assertThat(history.snapshot().minutes().get(0).latencyP50Ms()).isNull();
    }

    @Property
    void aBucketsBoundIsNeverBelowItsValueNorFarAbove(@ForAll @LongRange(min = 0, max = 1_000_000) long millis) {
        long bound = History.upperBound(History.bucket(millis));
        assertThat(bound).isGreaterThanOrEqualTo(millis);
        assertThat(bound).isLessThanOrEqualTo(Math.max(1, Math.round(millis * 1.19 + 1)));
    }
}
