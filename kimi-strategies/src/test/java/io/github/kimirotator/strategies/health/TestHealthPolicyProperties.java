package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Section 4's invariants over arbitrary histories: every kind of event (with any Retry-After, absent
 * included), recoveries with and without auto-refresh, clear-limits, and clock moves from zero to years.
 */
class TestHealthPolicyProperties {
    private static final String KEY = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long HOURS_3 = Duration.ofHours(3).toMillis();
    private static final Instant EARLIEST_START = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant LATEST_START = Instant.parse("2035-01-01T00:00:00Z");

    sealed interface Step permits Happen, Move, Recover, AutoRecover, ClearLimits {
    }

    record Happen(HealthEvent event) implements Step {
    }

    record Move(Duration by) implements Step {
    }

    record Recover(int cooldownMinutes) implements Step {
    }

    record AutoRecover(int cooldownMinutes, boolean autoRefresh) implements Step {
    }

    record ClearLimits() implements Step {
    }

    /** Where a history starts: the clock and a key that is either ours or as the seed wrote it. */
    record World(Instant start, ZoneId zone, Account account) {
        MutableClock clock() {
            return MutableClock.at(start, zone);
        }
    }

    @FunctionalInterface
    interface StepCheck {
        void check(Account before, Step step, Account after, long nowMillis);
    }

    private static Account run(World w, MutableClock clock, List<Step> steps, StepCheck check) {
        HealthPolicy policy = new HealthPolicy(clock);
        Account a = w.account();
        for (Step s : steps) {
            Account after = step(policy, clock, a, s);
            check.check(a, s, after, clock.millis());
            a = after;
        }
        return a;
    }

    private static Account step(HealthPolicy policy, MutableClock clock, Account a, Step s) {
        if (s instanceof Happen h) {
            return policy.apply(a, h.event());
        }
        if (s instanceof Move m) {
            clock.advance(m.by());
            return a;
        }
        if (s instanceof Recover r) {
            return policy.recover(a, r.cooldownMinutes());
        }
        if (s instanceof AutoRecover r) {
            return policy.autoRecover(state(r.autoRefresh(), r.cooldownMinutes(), a)).accounts().get(0);
        }
        return HealthPolicy.clearLimits(a);
    }

    private static AccountsState state(boolean autoRefresh, int cooldownMinutes, Account... accounts) {
        return AccountsState.empty().withAccounts(List.of(accounts)).withAutoRefreshHealth(autoRefresh)
                .withCooldownMinutes(cooldownMinutes);
    }

    @Property
    void healthStaysWithinRangeAndEachKindOfStepMovesItOnlyItsWay(
            @ForAll("worlds") World w, @ForAll("historiesWithClockJumpsBack") List<Step> steps) {
        run(w, w.clock(), steps, (before, step, after, now) -> {
            assertThat(after.healthScore()).isBetween(0, 100);
            int b = before.healthScore();
            if (step instanceof Happen h && h.event() instanceof HealthEvent.Success) {
                assertThat(after.healthScore()).isEqualTo(Math.min(100, b + 2));
            } else if (step instanceof Happen) {
                assertThat(after.healthScore()).isLessThanOrEqualTo(b);
            } else if (step instanceof Recover || step instanceof AutoRecover) {
                assertThat(after.healthScore()).isGreaterThanOrEqualTo(b);
            }
            if (step instanceof Move || step instanceof AutoRecover r && !r.autoRefresh()) {
                assertThat(after).isSameAs(before);
            }
        });
    }

    @Property
    void withAutoRefreshOffNothingRecoversByItself(
            @ForAll("worlds") World w, @ForAll("histories") List<Step> steps, @ForAll("moves") Duration later,
            @ForAll("cooldowns") int cooldown) {
        MutableClock clock = w.clock();
        Account a = run(w, clock, steps, (before, step, after, now) -> { });
        AccountsState off = state(false, cooldown, a, w.account());
        clock.advance(later);

        assertThat(new HealthPolicy(clock).autoRecover(off)).isSameAs(off);
    }

    @Property
    void recoveringTwiceAtOneInstantIsRecoveringOnce(
            @ForAll("worlds") World w, @ForAll("histories") List<Step> steps, @ForAll("cooldowns") int cooldown) {
        MutableClock clock = w.clock();
        HealthPolicy policy = new HealthPolicy(clock);
        Account once = policy.recover(run(w, clock, steps, (before, step, after, now) -> { }), cooldown);

        assertThat(policy.recover(once, cooldown)).isEqualTo(once);
    }

    @Property
    void recoveringInStepsGainsExactlyWhatTheFullPeriodsAllow(
            @ForAll("worlds") World w, @ForAll("histories") List<Step> steps, @ForAll("cooldowns") int cooldown,
            @ForAll("recoveryTimes") List<Duration> waits) {
        MutableClock clock = w.clock();
        HealthPolicy policy = new HealthPolicy(clock);
        Account a = run(w, clock, steps, (before, step, after, now) -> { });
        long anchor = Math.max(lastPenaltyPerContract(a), a.lastRecoveryAt());

        Account stepped = a;
        for (Duration wait : waits) {
            clock.advance(wait);
            stepped = policy.recover(stepped, cooldown);
        }

        long periods = anchor <= 0 ? 0
                : Math.max(0, Math.floorDiv(clock.millis() - anchor, Duration.ofMinutes(cooldown).toMillis()));
        int expected = (int) Math.min(100, a.healthScore() + 10 * periods);
        assertThat(stepped.healthScore()).isEqualTo(expected).isEqualTo(policy.recover(a, cooldown).healthScore());
    }

    @Property
    void aSeedKeyRecoversFromTheLatestOfItsResetsAndLastUse(
            @ForAll("starts") Instant start, @ForAll("aroundStart") long lastUsed,
            @ForAll("aroundStart") long rateReset, @ForAll("aroundStart") long billingReset,
            @ForAll("cooldowns") int cooldown,
            @ForAll("recoveryTimes") List<Duration> waits) {
        MutableClock clock = MutableClock.at(start);
        long t = start.toEpochMilli();
        Account seed = Account.newKey(KEY, "Alpha", t).toBuilder().healthScore(40)
                .lastUsed(t + lastUsed).rateLimitResetTime(t + rateReset).billingLimitResetTime(t + billingReset)
                .build();
        waits.forEach(clock::advance);

        long since = clock.millis() - (t + Math.max(lastUsed, Math.max(rateReset, billingReset)));
        long periods = Math.max(0, Math.floorDiv(since, Duration.ofMinutes(cooldown).toMillis()));
        assertThat(new HealthPolicy(clock).recover(seed, cooldown).healthScore())
                .isEqualTo((int) Math.min(100, 40 + 10 * periods));
    }

    /** Section 4: our record of the last penalty, else (a seed file) the latest of its resets and its last use. */
    private static long lastPenaltyPerContract(Account a) {
        if (a.lastPenaltyAt() > 0) {
            return a.lastPenaltyAt();
        }
        return Math.max(a.lastUsed(), Math.max(a.rateLimitResetTime(), a.billingLimitResetTime()));
    }

    @Property
    void aLimitNeverEndsEarlierBecauseOfALaterShorterOne(
            @ForAll("worlds") World w, @ForAll("historiesWithClockJumpsBack") List<Step> steps) {
        run(w, w.clock(), steps, (before, step, after, now) -> {
            if (step instanceof ClearLimits) {
                return;
            }
            assertThat(after.rateLimitResetTime()).isGreaterThanOrEqualTo(before.rateLimitResetTime());
            assertThat(after.billingLimitResetTime()).isGreaterThanOrEqualTo(before.billingLimitResetTime());
            assertThat(after.limitedUntil()).isGreaterThanOrEqualTo(before.limitedUntil());
            if (before.disabled()) {
                assertThat(after.disabled()).isTrue();
            }
            if (step instanceof Happen h) {
                assertThat(after.limitedUntil()).isGreaterThanOrEqualTo(leastLimitFor(h.event(), before, now));
            }
        });
    }

    /** The shortest limit the contract asks for after {@code event}, at {@code now}. */
    private static long leastLimitFor(HealthEvent event, Account before, long now) {
        if (event instanceof HealthEvent.RateLimited r) {
            Duration d = r.retryAfter().orElse(Duration.ofSeconds(60));
            if (d.isNegative()) {
                return now;
            }
            return d.compareTo(Duration.ofMillis(Long.MAX_VALUE - now)) >= 0 ? Long.MAX_VALUE : now + d.toMillis();
        }
        if (event instanceof HealthEvent.BillingLimit b) {
            boolean limitsAsBilling = !b.soft() || before.consecutiveBillingLimitHits() >= 1;
            return now + (limitsAsBilling ? Duration.ofHours(1) : Duration.ofSeconds(60)).toMillis();
        }
        if (event instanceof HealthEvent.MembershipRefused) {
            return now + Duration.ofHours(24).toMillis();
        }
        return 0;
    }

    @Property
    void dailyRequestsKeepTheLast31UtcDaysWithExactCounts(
            @ForAll("worlds") World w, @ForAll("histories") List<Step> steps) {
        TreeMap<LocalDate, Long> successesPerDay = new TreeMap<>();
        LocalDate[] lastSuccessDay = {null};
        run(w, w.clock(), steps, (before, step, after, now) -> {
            if (step instanceof Happen h && h.event() instanceof HealthEvent.Success) {
                LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC);
                successesPerDay.merge(day, 1L, Long::sum);
                lastSuccessDay[0] = day;
            }
            assertThat(after.dailyRequests()).hasSizeLessThanOrEqualTo(31)
                    .isEqualTo(lastThirtyOneDays(successesPerDay, lastSuccessDay[0]));
        });
    }

    private static SortedMap<String, Long> lastThirtyOneDays(TreeMap<LocalDate, Long> counts, LocalDate today) {
        TreeMap<String, Long> kept = new TreeMap<>();
        if (today != null) {
            counts.subMap(today.minusDays(30), true, today, true).forEach((d, n) -> kept.put(d.toString(), n));
        }
        return kept;
    }

    @Provide
    Arbitrary<Instant> starts() {
        return Arbitraries.longs().between(EARLIEST_START.toEpochMilli(), LATEST_START.toEpochMilli())
                .map(Instant::ofEpochMilli);
    }

    @Provide
    Arbitrary<Long> aroundStart() {
        return Arbitraries.longs().between(-HOURS_3, HOURS_3);
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<ZoneId> zones = Arbitraries.of("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo",
                "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns",
                "Australia/Lord_Howe").map(ZoneId::of);
        Arbitrary<Optional<Long>> lastUsedAgo = Arbitraries.longs().between(0, 7 * DAY).optional(0.8);
        Arbitrary<Optional<Long>> resetOffset = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(-HOURS_3, HOURS_3)),
                Tuple.of(1, Arbitraries.longs().between(-7 * DAY, 2 * DAY))).optional(0.5);
        return Combinators.combine(starts(), zones, Arbitraries.integers().between(0, 100), Arbitraries.of(true, false),
                lastUsedAgo, resetOffset, resetOffset).as((start, zone, health, fromSeed, used, rate, billing) -> {
                    long t = start.toEpochMilli();
                    Account a = Account.newKey(KEY, "Alpha", t).toBuilder().healthScore(health).build();
                    if (fromSeed) {
                        a = a.toBuilder().addedAt(t - 30 * DAY).lastUsed(used.map(ago -> t - ago).orElse(0L))
                                .rateLimitResetTime(rate.map(o -> t + o).orElse(0L))
                                .billingLimitResetTime(billing.map(o -> t + o).orElse(0L)).build();
                    }
                    return new World(start, zone, a);
                });
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        return steps(moves()).list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<Step>> historiesWithClockJumpsBack() {
        Arbitrary<Duration> back = Arbitraries.oneOf(
                Arbitraries.longs().between(1, 3 * DAY).map(ms -> Duration.ofMillis(-ms)),
                Arbitraries.integers().between(1, 400).map(d -> Duration.ofDays(-d)));
        return steps(Arbitraries.frequencyOf(Tuple.of(4, moves()), Tuple.of(1, back))).list().ofMaxSize(40);
    }

    /** Mostly short waits, so that the gain is rarely cut off at 100 and a wrong period count shows. */
    @Provide
    Arbitrary<List<Duration>> recoveryTimes() {
        Arbitrary<Duration> shortWait = Arbitraries.longs().between(0, HOURS_3).map(Duration::ofMillis);
        return Arbitraries.frequencyOf(Tuple.of(4, shortWait), Tuple.of(1, moves())).list().ofMinSize(1).ofMaxSize(6);
    }

    /** Forward clock moves: none at all, up to an hour, up to three days, whole days (31 apart matters), years. */
    @Provide
    Arbitrary<Duration> moves() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(Duration.ZERO)),
                Tuple.of(4, Arbitraries.longs().between(1, Duration.ofHours(1).toMillis()).map(Duration::ofMillis)),
                Tuple.of(3, Arbitraries.longs().between(1, 3 * DAY).map(Duration::ofMillis)),
                Tuple.of(1, Arbitraries.integers().between(1, 35).map(Duration::ofDays)),
                Tuple.of(1, Arbitraries.integers().between(1, 400).map(Duration::ofDays)));
    }

    @Provide
    Arbitrary<Integer> cooldowns() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(1, 60)),
                Tuple.of(1, Arbitraries.integers().between(1, 1440)));
    }

    private Arbitrary<Step> steps(Arbitrary<Duration> clockMoves) {
        return Arbitraries.frequencyOf(
                Tuple.of(8, events().map(Happen::new)),
                Tuple.of(4, clockMoves.map(Move::new)),
                Tuple.of(2, cooldowns().map(Recover::new)),
                Tuple.of(1, Combinators.combine(cooldowns(), Arbitraries.of(true, false)).as(AutoRecover::new)),
                Tuple.of(1, Arbitraries.just(new ClearLimits())));
    }

    private static Arbitrary<HealthEvent> events() {
        Arbitrary<Optional<Duration>> retryAfter = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(Optional.empty())),
                Tuple.of(6, Arbitraries.longs().between(-60, 2 * 86_400).map(s -> Optional.of(Duration.ofSeconds(s)))),
                Tuple.of(1, Arbitraries.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MIN_VALUE),
                        Duration.ofMillis(Long.MAX_VALUE), Duration.ofDays(365 * 1000)).map(Optional::of)));
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 600_000).map(HealthEvent.Success::new),
                retryAfter.map(HealthEvent.RateLimited::new),
                Arbitraries.of(true, false).map(HealthEvent.BillingLimit::new),
                Arbitraries.just(new HealthEvent.MembershipRefused()),
                Arbitraries.of(401, 403).map(HealthEvent.KeyRejected::new),
                Arbitraries.of("upstream status 502", "timeout", "connection refused").map(HealthEvent.Failure::new));
    }
}
