package io.github.kimirotator.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The system clock in the default time zone, like {@link Clock#systemDefaultZone()}, but the zone is looked
 * up only when asked for: loading the time-zone rules costs start-up time, and most commands never need
 * local time (only billing-limit resets at local midnight do).
 */
final class SystemClock extends Clock {
    private ZoneId zone;

    @Override
    public ZoneId getZone() {
        ZoneId z = zone;
        if (z == null) {
            z = ZoneId.systemDefault();
            zone = z;
        }
        return z;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return Clock.system(newZone);
    }

    @Override
    public long millis() {
        return System.currentTimeMillis();
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }
}
