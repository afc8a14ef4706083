package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TestMutableClock {
    private static final Instant START = Instant.parse("2026-03-10T12:00:00Z");

    @Test
    void standsStillUntilMoved() {
        MutableClock clock = MutableClock.at(START);

        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.millis()).isEqualTo(START.toEpochMilli());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void advancesByAnyStepIncludingZeroAndNegative() {
        MutableClock clock = MutableClock.at("2026-03-10T12:00:00Z");

        clock.advance(Duration.ZERO);
        assertThat(clock.instant()).isEqualTo(START);
        clock.advance(Duration.ofDays(400));
        assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofDays(400)));
        clock.advance(Duration.ofDays(-400).minusMillis(1));
        assertThat(clock.instant()).isEqualTo(START.minusMillis(1));
    }

    @Test
    void setPutsTheClockAtAnInstant() {
        MutableClock clock = MutableClock.at(START).set(Instant.EPOCH);

        assertThat(clock.instant()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void keepsTheZoneItWasGivenAndSharesTheInstantWithItsZoneViews() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        MutableClock clock = MutableClock.at(START, tokyo);
        MutableClock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));

        clock.advance(Duration.ofHours(1));

        assertThat(clock.getZone()).isEqualTo(tokyo);
        assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(berlin.instant()).isEqualTo(START.plus(Duration.ofHours(1)));
    }
}
