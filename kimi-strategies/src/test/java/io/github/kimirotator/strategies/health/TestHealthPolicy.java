package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The event rows of the contract's section 4 table, limits, status and clear-limits. */
class TestHealthPolicy {
    private static final String KEY = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    private static final Instant NOON = Instant.parse("2026-03-10T12:00:00Z");
    private static final HealthEvent RATE_LIMITED = HealthEvent.RateLimited.withoutRetryAfter();
    private static final HealthEvent HARD_BILLING = new HealthEvent.BillingLimit(false);
    private static final HealthEvent SOFT_BILLING = new HealthEvent.BillingLimit(true);
    private static final HealthEvent MEMBERSHIP = new HealthEvent.MembershipRefused();
    private static final HealthEvent FAILURE = new HealthEvent.Failure("upstream status 502");

    private final MutableClock clock = MutableClock.at(NOON);
    private final HealthPolicy policy = new HealthPolicy(clock);

    private Account fresh() {
        return Account.newKey(KEY, "Alpha", clock.millis());
    }

    private Account withHealth(int health) {
        return fresh().toBuilder().healthScore(health).build();
    }

    private static HealthEvent retryAfter(Duration d) {
        return new HealthEvent.RateLimited(Optional.of(d));
    }

    private long at(Duration fromNow) {
        return clock.instant().plus(fromNow).toEpochMilli();
    }

    @Test
    void tokensAddUpPerUtcDayAndChangeNothingElse() {
        Account a = fresh().toBuilder().healthScore(50).totalRequests(3).consecutiveFailures(2).build();
        io.github.kimirotator.api.TokenUsage used = new io.github.kimirotator.api.TokenUsage(10, 2, 30, 1);

        Account once = policy.apply(a, new HealthEvent.TokensUsed(used));
        Account twice = policy.apply(once, new HealthEvent.TokensUsed(used));
        clock.advance(java.time.Duration.ofHours(12));
        Account nextDay = policy.apply(twice, new HealthEvent.TokensUsed(used));

        assertThat(twice.tokensOn("2026-03-10")).isEqualTo(new io.github.kimirotator.api.TokenUsage(20, 4, 60, 2));
        assertThat(twice.toBuilder().dailyTokens(null).build()).isEqualTo(a);
        assertThat(nextDay.tokensOn("2026-03-11")).isEqualTo(used);
        assertThat(nextDay.tokensOn("2026-03-10")).isEqualTo(twice.tokensOn("2026-03-10"));
        clock.advance(java.time.Duration.ofDays(31));
        assertThat(policy.apply(nextDay, new HealthEvent.TokensUsed(used)).dailyTokens()).containsOnlyKeys("2026-04-11");
    }

    @Test
    void aNewKeyIsFullyHealthyAndActive() {
        Account a = fresh();

        assertThat(a.healthScore()).isEqualTo(100);
        assertThat(a.limitedUntil()).isZero();
        assertThat(a.disabled()).isFalse();
        assertThat(a.dailyRequests()).isEmpty();
        assertThat(policy.status(a)).isEqualTo(KeyStatus.ACTIVE);
    }

    @Nested
    class Success {
        @ParameterizedTest
        @ValueSource(ints = {0, 50, 97})
        void addsTwo(int health) {
            assertThat(policy.apply(withHealth(health), new HealthEvent.Success(10)).healthScore())
                    .isEqualTo(health + 2);
        }

        @ParameterizedTest
        @ValueSource(ints = {99, 100})
        void isCappedAtOneHundred(int health) {
            assertThat(policy.apply(withHealth(health), new HealthEvent.Success(10)).healthScore()).isEqualTo(100);
        }

        @Test
        void resetsConsecutiveFailuresAndBillingHits() {
            Account a = fresh().toBuilder().consecutiveFailures(4).consecutiveBillingLimitHits(1).build();

            Account after = policy.apply(a, new HealthEvent.Success(10));

            assertThat(after.consecutiveFailures()).isZero();
            assertThat(after.consecutiveBillingLimitHits()).isZero();
        }

        @Test
        void countsTheRequestAsMadeAndSuccessful() {
            Account after = policy.apply(fresh().toBuilder().totalRequests(7).successfulRequests(5).build(),
                    new HealthEvent.Success(10));

            assertThat(after.totalRequests()).isEqualTo(8);
            assertThat(after.successfulRequests()).isEqualTo(6);
        }

        @Test
        void recordsTheResponseTime() {
            Account a = fresh().toBuilder().responseTimes(List.of(245L, 198L)).build();

            assertThat(policy.apply(a, new HealthEvent.Success(210)).responseTimes()).containsExactly(245L, 198L, 210L);
        }

        @Test
        void keepsOnlyTheLastOneHundredResponseTimes() {
            List<Long> hundred = LongStream.rangeClosed(1, 100).boxed().toList();
            Account a = fresh().toBuilder().responseTimes(hundred).build();

            List<Long> times = policy.apply(a, new HealthEvent.Success(101)).responseTimes();

            assertThat(times).hasSize(100).startsWith(2L, 3L).endsWith(100L, 101L);
        }

        @Test
        void countsTodayByTheUtcDateWhateverTheLocalZone() {
            // 20:00 UTC on 10 March is already 11 March in Tokyo
            MutableClock tokyo = MutableClock.at(Instant.parse("2026-03-10T20:00:00Z"), ZoneId.of("Asia/Tokyo"));
            HealthPolicy tokyoPolicy = new HealthPolicy(tokyo);
            Account a = fresh().toBuilder().dailyRequests(new TreeMap<>(Map.of("2026-03-10", 4L))).build();

            Account after = tokyoPolicy.apply(a, new HealthEvent.Success(10));
            tokyo.advance(Duration.ofHours(4));
            Account nextDay = tokyoPolicy.apply(after, new HealthEvent.Success(10));

            assertThat(after.dailyRequests()).containsExactly(Map.entry("2026-03-10", 5L));
            assertThat(nextDay.dailyRequests())
                    .containsExactly(Map.entry("2026-03-10", 5L), Map.entry("2026-03-11", 1L));
        }

        @Test
        void keepsTheLastThirtyOneDaysOfCounts() {
            TreeMap<String, Long> daily = new TreeMap<>();
            daily.put("2026-02-07", 3L);
            daily.put("2026-02-08", 2L);
            daily.put("2026-03-09", 1L);

            Account after = policy.apply(fresh().toBuilder().dailyRequests(daily).build(), new HealthEvent.Success(10));

            assertThat(after.dailyRequests()).containsOnlyKeys("2026-02-08", "2026-03-09", "2026-03-10");
        }
    }

    @Nested
    class Penalties {
        @Test
        void anAnswerThatIsNotASuccessIsNotCountedAsToday() {
            for (HealthEvent e : List.of(RATE_LIMITED, HARD_BILLING, SOFT_BILLING, MEMBERSHIP,
                    new HealthEvent.KeyRejected(401), FAILURE)) {
                Account after = policy.apply(fresh(), e);

                assertThat(after.dailyRequests()).as("%s", e).isEmpty();
                assertThat(after.totalRequests()).as("%s", e).isEqualTo(1);
                assertThat(after.successfulRequests()).as("%s", e).isZero();
            }
        }

        @Test
        void everyPenaltyRecordsWhenItHappenedAndCountsAFailure() {
            for (HealthEvent e : List.of(RATE_LIMITED, HARD_BILLING, SOFT_BILLING, MEMBERSHIP,
                    new HealthEvent.KeyRejected(403), FAILURE)) {
                Account a = fresh().toBuilder().consecutiveFailures(2).build();
                clock.advance(Duration.ofMinutes(1));

                Account after = policy.apply(a, e);

                assertThat(after.lastPenaltyAt()).as("%s", e).isEqualTo(clock.millis());
                assertThat(after.consecutiveFailures()).as("%s", e).isEqualTo(3);
            }
        }

        @Test
        void neverTakeHealthBelowZero() {
            for (HealthEvent e : List.of(RATE_LIMITED, HARD_BILLING, MEMBERSHIP, new HealthEvent.KeyRejected(401),
                    FAILURE)) {
                assertThat(policy.apply(withHealth(10), e).healthScore()).as("%s", e).isZero();
            }
        }
    }

    @Nested
    class RateLimit {
        @Test
        void costsFifteenAndLimitsForTheRetryAfterDelta() {
            Account after = policy.apply(withHealth(80), retryAfter(Duration.ofSeconds(120)));

            assertThat(after.healthScore()).isEqualTo(65);
            assertThat(after.rateLimitResetTime()).isEqualTo(at(Duration.ofSeconds(120)));
            assertThat(after.limitReason()).isEqualTo("rate limited");
        }

        @Test
        void limitsForSixtySecondsWithoutRetryAfter() {
            Account after = policy.apply(fresh(), RATE_LIMITED);

            assertThat(after.rateLimitResetTime()).isEqualTo(at(Duration.ofSeconds(60)));
            clock.advance(Duration.ofSeconds(60).minusMillis(1));
            assertThat(policy.status(after)).isEqualTo(KeyStatus.LIMITED);
            clock.advance(Duration.ofMillis(1));
            assertThat(policy.status(after)).isEqualTo(KeyStatus.ACTIVE);
        }

        @Test
        void anAbsurdlyLongRetryAfterLimitsAsLongAsTimeGoesInsteadOfFailing() {
            Account after = policy.apply(fresh(), retryAfter(Duration.ofSeconds(Long.MAX_VALUE)));

            assertThat(after.rateLimitResetTime()).isEqualTo(Long.MAX_VALUE);
            assertThat(after.healthScore()).isEqualTo(85);
        }

        @Test
        void aRetryAfterInThePastDoesNotLimit() {
            Account after = policy.apply(fresh(), retryAfter(Duration.ofSeconds(-30)));

            assertThat(after.rateLimitResetTime()).isEqualTo(clock.millis());
            assertThat(policy.status(after)).isEqualTo(KeyStatus.ACTIVE);
        }
    }

    @Nested
    class Billing {
        private HealthPolicy in(String zone, String instant) {
            clock.set(Instant.parse(instant));
            return new HealthPolicy(clock.withZone(ZoneId.of(zone)));
        }

        @Test
        void costsThirtyAndLimitsUntilTheNextLocalMidnight() {
            HealthPolicy berlin = in("Europe/Berlin", "2026-03-10T12:00:00Z");

            Account after = berlin.apply(withHealth(90), HARD_BILLING);

            assertThat(after.healthScore()).isEqualTo(60);
            assertThat(after.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-10T23:00:00Z").toEpochMilli());
            assertThat(after.consecutiveBillingLimitHits()).isEqualTo(1);
            assertThat(after.limitReason()).isEqualTo("billing limit");
            assertThat(berlin.status(after)).isEqualTo(KeyStatus.LIMITED);
        }

        @Test
        void usesTheLocalDateNotTheUtcDate() {
            // 20:00 in New York is 01:00 UTC the next day: the local midnight is still three hours away
            HealthPolicy newYork = in("America/New_York", "2026-03-11T00:00:00Z");

            Account after = newYork.apply(fresh(), HARD_BILLING);

            assertThat(after.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-11T04:00:00Z").toEpochMilli());
        }

        @Test
        void limitsForAtLeastOneHourNearMidnight() {
            // 23:30 in Tokyo: midnight is 30 minutes away
            HealthPolicy tokyo = in("Asia/Tokyo", "2026-03-10T14:30:00Z");

            Account after = tokyo.apply(fresh(), HARD_BILLING);

            assertThat(after.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-10T15:30:00Z").toEpochMilli());
        }

        @Test
        void limitsUntilMidnightWhenThatIsMoreThanAnHourAway() {
            // 22:50 in Kolkata (+05:30): midnight is 70 minutes away
            HealthPolicy kolkata = in("Asia/Kolkata", "2026-03-10T17:20:00Z");

            Account after = kolkata.apply(fresh(), HARD_BILLING);

            assertThat(after.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-10T18:30:00Z").toEpochMilli());
        }

        @Test
        void atLocalMidnightLimitsUntilTheFollowingOne() {
            HealthPolicy tokyo = in("Asia/Tokyo", "2026-03-10T15:00:00Z");

            Account after = tokyo.apply(fresh(), HARD_BILLING);

            assertThat(after.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-11T15:00:00Z").toEpochMilli());
        }
    }

    @Nested
    class SoftBilling {
        @Test
        void theFirstHitCountsAsARateLimit() {
            Account after = policy.apply(withHealth(80), SOFT_BILLING);

            assertThat(after.healthScore()).isEqualTo(65);
            assertThat(after.rateLimitResetTime()).isEqualTo(at(Duration.ofSeconds(60)));
            assertThat(after.billingLimitResetTime()).isZero();
            assertThat(after.consecutiveBillingLimitHits()).isEqualTo(1);
        }

        @Test
        void theSecondConsecutiveHitLimitsAsBilling() {
            Account first = policy.apply(withHealth(80), SOFT_BILLING);
            clock.advance(Duration.ofMinutes(2));

            Account second = policy.apply(first, SOFT_BILLING);

            assertThat(second.healthScore()).isEqualTo(35);
            assertThat(second.billingLimitResetTime()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z").toEpochMilli());
            assertThat(second.consecutiveBillingLimitHits()).isEqualTo(2);
            assertThat(second.limitReason()).isEqualTo("billing limit");
        }

        @Test
        void aSuccessInBetweenStartsTheCountAgain() {
            Account first = policy.apply(fresh(), SOFT_BILLING);
            Account success = policy.apply(first, new HealthEvent.Success(10));

            Account again = policy.apply(success, SOFT_BILLING);

            assertThat(again.billingLimitResetTime()).isZero();
            assertThat(again.consecutiveBillingLimitHits()).isEqualTo(1);
        }
    }

    @Nested
    class Membership {
        @Test
        void costsTwentyFiveAndLimitsForTwentyFourHours() {
            Account after = policy.apply(withHealth(90), MEMBERSHIP);

            assertThat(after.healthScore()).isEqualTo(65);
            assertThat(after.billingLimitResetTime()).isEqualTo(at(Duration.ofHours(24)));
            assertThat(after.limitReason()).isEqualTo("membership not verified");
            clock.advance(Duration.ofHours(24).minusMillis(1));
            assertThat(policy.status(after)).isEqualTo(KeyStatus.LIMITED);
            clock.advance(Duration.ofMillis(1));
            assertThat(policy.status(after)).isEqualTo(KeyStatus.ACTIVE);
        }
    }

    @Nested
    class Rejected {
        @ParameterizedTest
        @ValueSource(ints = {401, 403})
        void costsTwentyAndDisablesUntilClearLimits(int status) {
            Account after = policy.apply(withHealth(90), new HealthEvent.KeyRejected(status));

            assertThat(after.healthScore()).isEqualTo(70);
            assertThat(after.disabled()).isTrue();
            assertThat(after.limitReason()).contains(Integer.toString(status));
            assertThat(after.limitedUntil()).isZero();
            clock.advance(Duration.ofDays(365));
            assertThat(policy.status(after)).isEqualTo(KeyStatus.DISABLED);
            assertThat(policy.status(HealthPolicy.clearLimits(after))).isEqualTo(KeyStatus.ACTIVE);
        }
    }

    @Nested
    class Failure {
        @Test
        void costsTwentyAndNeitherLimitsNorDisables() {
            Account after = policy.apply(withHealth(90), FAILURE);

            assertThat(after.healthScore()).isEqualTo(70);
            assertThat(after.limitedUntil()).isZero();
            assertThat(after.disabled()).isFalse();
            assertThat(policy.status(after)).isEqualTo(KeyStatus.ACTIVE);
        }
    }

    @Nested
    class NewLimitNeverShortensAnExistingOne {
        @Test
        void aShorterRateLimitKeepsTheLongerOne() {
            Account longLimit = policy.apply(fresh(), retryAfter(Duration.ofHours(1)));
            clock.advance(Duration.ofMinutes(1));

            Account after = policy.apply(longLimit, retryAfter(Duration.ofSeconds(10)));

            assertThat(after.rateLimitResetTime()).isEqualTo(longLimit.rateLimitResetTime());
        }

        @Test
        void aLongerRateLimitExtendsIt() {
            Account shortLimit = policy.apply(fresh(), retryAfter(Duration.ofSeconds(10)));

            Account after = policy.apply(shortLimit, retryAfter(Duration.ofHours(1)));

            assertThat(after.rateLimitResetTime()).isEqualTo(at(Duration.ofHours(1)));
        }

        @Test
        void aBillingLimitShorterThanAMembershipLimitKeepsTheMembershipLimit() {
            Account membership = policy.apply(fresh(), MEMBERSHIP);

            Account after = policy.apply(membership, HARD_BILLING);

            assertThat(after.billingLimitResetTime()).isEqualTo(membership.billingLimitResetTime());
            assertThat(after.limitReason()).isEqualTo("membership not verified");
        }

        @Test
        void aRateLimitDuringABillingLimitKeepsTheBillingLimitAndItsReason() {
            Account billing = policy.apply(fresh(), HARD_BILLING);

            Account after = policy.apply(billing, RATE_LIMITED);

            assertThat(after.limitedUntil()).isEqualTo(billing.limitedUntil());
            assertThat(after.limitReason()).isEqualTo("billing limit");
            assertThat(after.healthScore()).isEqualTo(55);
        }

        @Test
        void aLimitOnADisabledKeyKeepsTheReasonItWasDisabledFor() {
            Account rejected = policy.apply(fresh(), new HealthEvent.KeyRejected(401));

            Account after = policy.apply(rejected, MEMBERSHIP);

            assertThat(after.disabled()).isTrue();
            assertThat(after.limitReason()).isEqualTo(rejected.limitReason());
        }

        @Test
        void aLimitThatOutlastsAnExpiredOneTakesItsReason() {
            Account membership = policy.apply(fresh(), MEMBERSHIP);
            clock.advance(Duration.ofHours(25));

            assertThat(policy.apply(membership, RATE_LIMITED).limitReason()).isEqualTo("rate limited");
        }
    }

    @Nested
    class Status {
        @Test
        void lowHealthBelowThirty() {
            assertThat(policy.status(withHealth(30))).isEqualTo(KeyStatus.ACTIVE);
            assertThat(policy.status(withHealth(29))).isEqualTo(KeyStatus.LOW_HEALTH);
            assertThat(policy.status(withHealth(0))).isEqualTo(KeyStatus.LOW_HEALTH);
        }

        @Test
        void limitedWinsOverLowHealthAndDisabledWinsOverLimited() {
            Account limitedAndLow = policy.apply(withHealth(20), RATE_LIMITED);
            Account disabledAndLimited = policy.apply(limitedAndLow, new HealthEvent.KeyRejected(403));

            assertThat(policy.status(limitedAndLow)).isEqualTo(KeyStatus.LIMITED);
            assertThat(policy.status(disabledAndLimited)).isEqualTo(KeyStatus.DISABLED);
        }

        @Test
        void aBillingLimitFromTheSeedCounts() {
            Account seedLimited = fresh().toBuilder().billingLimitResetTime(at(Duration.ofMinutes(5))).build();

            assertThat(policy.status(seedLimited)).isEqualTo(KeyStatus.LIMITED);
        }

        @Test
        void labelsAreTheContractsNames() {
            assertThat(KeyStatus.values()).extracting(KeyStatus::label)
                    .containsExactly("active", "limited", "disabled", "low-health");
        }
    }

    @Nested
    class ClearLimits {
        @Test
        void clearsLimitsAndBillingHitsAndReEnablesButKeepsHealthAndStatistics() {
            Account a = policy.apply(policy.apply(policy.apply(fresh(), SOFT_BILLING), SOFT_BILLING),
                    new HealthEvent.KeyRejected(401));

            Account cleared = HealthPolicy.clearLimits(a);

            assertThat(cleared.rateLimitResetTime()).isZero();
            assertThat(cleared.billingLimitResetTime()).isZero();
            assertThat(cleared.consecutiveBillingLimitHits()).isZero();
            assertThat(cleared.disabled()).isFalse();
            assertThat(cleared.limitReason()).isNull();
            assertThat(cleared.healthScore()).isEqualTo(a.healthScore());
            assertThat(cleared.totalRequests()).isEqualTo(3);
            assertThat(policy.status(cleared)).isEqualTo(KeyStatus.ACTIVE);
        }

        @Test
        void leavesALowHealthKeyLowHealth() {
            Account a = policy.apply(withHealth(40), HARD_BILLING);

            assertThat(policy.status(HealthPolicy.clearLimits(a))).isEqualTo(KeyStatus.LOW_HEALTH);
        }
    }
}
