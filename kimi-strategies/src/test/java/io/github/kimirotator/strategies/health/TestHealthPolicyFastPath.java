package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.TokenUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Every success builds a new response-time list and a new map of daily counts; they are built without the copies
 * and views they once took. These properties hold the new construction to the old one, kept here as the
 * reference: any list of times (longer than the limit too, as a hand-edited file may hold), any daily map (dates
 * around the event's day, far older ones, keys that are no date at all) and any instant.
 */
class TestHealthPolicyFastPath {
    private static final Instant FIRST = Instant.parse("2019-12-25T00:00:00Z");
    private static final Instant LAST = Instant.parse("2036-01-05T00:00:00Z");

    @Property(tries = 300)
    void aTimeIsAddedAsTheOldCopyDidIt(@ForAll @Size(max = 130) List<@LongRange(min = 0, max = 600_000) Long> times,
            @ForAll @LongRange(min = 0, max = 600_000) long millis) {
        List<Long> fast = HealthPolicy.withTime(List.copyOf(times), millis);

        assertThat(fast).isEqualTo(oldWithTime(times, millis));
        assertThat(fast).hasSizeLessThanOrEqualTo(Account.MAX_RESPONSE_TIMES);
        assertThat(List.copyOf(fast)).as("already immutable: the account keeps it as it is").isSameAs(fast);
    }

    @Property(tries = 500)
    void todayIsCountedAsTheOldCopyDidIt(@ForAll("instants") Instant now, @ForAll("daily") SortedMap<String, Long> daily,
            @ForAll @IntRange(min = 1, max = 5) int add) {
        SortedMap<String, Long> fast = HealthPolicy.addToday(daily, now, (long) add, Long::sum);

        assertThat(fast).isEqualTo(oldAddToday(daily, now, (long) add, Long::sum));
        assertThat(fast.keySet()).containsExactlyElementsOf(oldAddToday(daily, now, (long) add, Long::sum).keySet());
    }

    @Property(tries = 300)
    void aSuccessChangesTheAccountAsTheOldCodeDid(@ForAll("instants") Instant now,
            @ForAll("daily") SortedMap<String, Long> daily,
            @ForAll @Size(max = 105) List<@LongRange(min = 0, max = 600_000) Long> times,
            @ForAll @LongRange(min = 0, max = 600_000) long millis, @ForAll @IntRange(max = 100) int health) {
        Account before = Account.newKey("sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111", "k", FIRST.toEpochMilli())
                .toBuilder().healthScore(health).responseTimes(times).dailyRequests(daily)
                .dailyTokens(new TreeMap<>(Map.of(LocalDate.ofInstant(now, ZoneOffset.UTC).toString(),
                        new TokenUsage(3, 4, 0, 0))))
                .consecutiveFailures(2).build();

        Account after = new HealthPolicy(Clock.fixed(now, ZoneOffset.UTC)).apply(before, new HealthEvent.Success(millis));

        Account expected = before.toBuilder()
                .totalRequests(before.totalRequests() + 1)
                .lastUsed(Math.max(before.lastUsed(), now.toEpochMilli()))
                .healthScore(Math.min(Account.MAX_HEALTH, health + HealthPolicy.SUCCESS_GAIN))
                .successfulRequests(before.successfulRequests() + 1)
                .consecutiveFailures(0)
                .consecutiveBillingLimitHits(0)
                .responseTimes(oldWithTime(before.responseTimes(), millis))
                .dailyRequests(oldAddToday(before.dailyRequests(), now, 1L, Long::sum))
                .build();
        assertThat(after).isEqualTo(expected);
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(FIRST.getEpochSecond(), LAST.getEpochSecond())
                .map(Instant::ofEpochSecond);
    }

    /** Dates spread over a few years (so some are within the days kept and some are not), and odd keys. */
    @Provide
    Arbitrary<SortedMap<String, Long>> daily() {
        Arbitrary<String> dates = Arbitraries.longs()
                .between(LocalDate.of(2019, 1, 1).toEpochDay(), LocalDate.of(2036, 2, 1).toEpochDay())
                .map(d -> LocalDate.ofEpochDay(d).toString());
        Arbitrary<String> odd = Arbitraries.of("", "0000-00-00", "9999-12-31", "garbage", "2024-13-45");
        Arbitrary<String> keys = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, dates), net.jqwik.api.Tuple.of(1, odd));
        return Arbitraries.maps(keys, Arbitraries.longs().between(1, 1_000)).ofMaxSize(45)
                .map(m -> (SortedMap<String, Long>) new TreeMap<>(m));
    }

    // --- the construction as it was, the reference ---

    private static List<Long> oldWithTime(List<Long> before, long millis) {
        List<Long> times = new ArrayList<>(before);
        times.add(millis);
        if (times.size() > Account.MAX_RESPONSE_TIMES) {
            times = times.subList(times.size() - Account.MAX_RESPONSE_TIMES, times.size());
        }
        return times;
    }

    private static <V> SortedMap<String, V> oldAddToday(SortedMap<String, V> daily, Instant now, V value,
            BinaryOperator<V> merge) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        TreeMap<String, V> counts = new TreeMap<>(daily);
        counts.merge(today.toString(), value, merge);
        String oldestKept = today.minusDays(HealthPolicy.DAILY_DAYS_KEPT - 1L).toString();
        counts.headMap(oldestKept).clear();
        while (counts.size() > HealthPolicy.DAILY_DAYS_KEPT) {
            counts.pollFirstEntry();
        }
        return counts;
    }
}
