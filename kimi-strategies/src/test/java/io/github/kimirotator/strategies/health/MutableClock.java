package io.github.kimirotator.strategies.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move by hand instead of sleeping. Clocks made with {@link #withZone(ZoneId)} share the
 * instant with the clock they came from, so moving one moves all of them.
 */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /** A clock standing at {@code start} whose local zone is {@code zone}. */
    public static MutableClock at(Instant start, ZoneId zone) {
        return new MutableClock(new AtomicReference<>(Objects.requireNonNull(start, "start")), zone);
    }

    /** A clock standing at {@code start} in UTC. */
    public static MutableClock at(Instant start) {
        return at(start, ZoneOffset.UTC);
    }

    /** A clock standing at the ISO-8601 instant {@code start} (e.g. {@code 2026-03-01T12:00:00Z}) in UTC. */
    public static MutableClock at(String start) {
        return at(Instant.parse(start));
    }

    /** Moves the clock by {@code step}, which may be zero or negative; returns this clock. */
    public MutableClock advance(Duration step) {
        Objects.requireNonNull(step, "step");
        now.updateAndGet(t -> t.plus(step));
        return this;
    }

    /** Puts the clock at {@code instant}; returns this clock. */
    public MutableClock set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
        return this;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public MutableClock withZone(ZoneId newZone) {
        return new MutableClock(now, newZone);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + "," + zone + "]";
    }
}
