package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recovery as section 4 states it: +10 per full cooldown period, at most 100, never twice for one period. */
class TestHealthRecovery {
    private static final String KEY = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    private static final String OTHER_KEY = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    private static final int COOLDOWN = 30;
    private static final Duration PERIOD = Duration.ofMinutes(COOLDOWN);
    private static final HealthEvent FAILURE = new HealthEvent.Failure("upstream status 500");

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
    private final HealthPolicy policy = new HealthPolicy(clock);

    /** A key that has just been penalised down to {@code health}. */
    private Account penalisedTo(int health) {
        Account a = Account.newKey(KEY, "Alpha", clock.millis()).toBuilder().healthScore(health + 20).build();
        return policy.apply(a, FAILURE);
    }

    /** A key as the seed writes it: none of our fields, so its last penalty must be inferred. */
    private Account seedAccount(int health, long lastUsed, long rateLimitReset, long billingLimitReset) {
        return Account.newKey(KEY, "Alpha", 1).toBuilder().healthScore(health).lastUsed(lastUsed)
                .rateLimitResetTime(rateLimitReset).billingLimitResetTime(billingLimitReset).build();
    }

    private long ago(Duration d) {
        return clock.instant().minus(d).toEpochMilli();
    }

    private static AccountsState state(boolean autoRefresh, int cooldown, Account... accounts) {
        return AccountsState.empty().withAccounts(List.of(accounts)).withAutoRefreshHealth(autoRefresh)
                .withCooldownMinutes(cooldown);
    }

    @Test
    void nothingBeforeAFullPeriodHasPassed() {
        Account a = penalisedTo(50);
        clock.advance(PERIOD.minusMillis(1));

        assertThat(policy.recover(a, COOLDOWN)).isSameAs(a);
    }

    @Test
    void tenForAFullPeriod() {
        Account a = penalisedTo(50);
        long penalty = clock.millis();
        clock.advance(PERIOD);

        Account r = policy.recover(a, COOLDOWN);

        assertThat(r.healthScore()).isEqualTo(60);
        assertThat(r.lastRecoveryAt()).isEqualTo(penalty + PERIOD.toMillis());
    }

    @Test
    void tenForEachFullPeriodAtOnce() {
        Account a = penalisedTo(20);
        long penalty = clock.millis();
        clock.advance(PERIOD.multipliedBy(3).plusMinutes(10));

        Account r = policy.recover(a, COOLDOWN);

        assertThat(r.healthScore()).isEqualTo(50);
        assertThat(r.lastRecoveryAt()).isEqualTo(penalty + PERIOD.multipliedBy(3).toMillis());
    }

    @Test
    void neverAboveOneHundred() {
        Account a = penalisedTo(75);
        clock.advance(PERIOD.multipliedBy(1000));

        assertThat(policy.recover(a, COOLDOWN).healthScore()).isEqualTo(100);
    }

    @Test
    void aFullyHealthyKeyIsLeftAlone() {
        Account a = Account.newKey(KEY, "Alpha", clock.millis());
        clock.advance(PERIOD.multipliedBy(5));

        assertThat(policy.recover(a, COOLDOWN)).isSameAs(a);
    }

    @Test
    void neverTwiceForTheSamePeriod() {
        Account a = penalisedTo(50);
        clock.advance(PERIOD.plusMinutes(20));
        Account once = policy.recover(a, COOLDOWN);

        assertThat(policy.recover(once, COOLDOWN)).isEqualTo(once);
        clock.advance(Duration.ofMinutes(9));
        assertThat(policy.recover(once, COOLDOWN)).isEqualTo(once);
        clock.advance(Duration.ofMinutes(1));
        assertThat(policy.recover(once, COOLDOWN).healthScore()).isEqualTo(70);
    }

    @Test
    void recoveringInStepsGainsAsMuchAsRecoveringOnce() {
        Account a = penalisedTo(10);
        clock.advance(Duration.ofMinutes(45));
        Account stepped = policy.recover(a, COOLDOWN);
        clock.advance(Duration.ofMinutes(50));
        stepped = policy.recover(stepped, COOLDOWN);

        assertThat(stepped.healthScore()).isEqualTo(40).isEqualTo(policy.recover(a, COOLDOWN).healthScore());
    }

    @Test
    void countsFromTheLaterOfLastPenaltyAndLastRecovery() {
        Account a = penalisedTo(50);
        clock.advance(PERIOD);
        Account recovered = policy.recover(a, COOLDOWN);
        clock.advance(Duration.ofMinutes(10));
        Account penalisedAgain = policy.apply(recovered, FAILURE);

        clock.advance(PERIOD.minusMillis(1));
        assertThat(policy.recover(penalisedAgain, COOLDOWN)).isSameAs(penalisedAgain);
        clock.advance(Duration.ofMillis(1));
        assertThat(policy.recover(penalisedAgain, COOLDOWN).healthScore()).isEqualTo(50);
    }

    @Test
    void aSuccessDoesNotPostponeRecovery() {
        Account a = penalisedTo(50);
        clock.advance(Duration.ofMinutes(20));
        Account succeeded = policy.apply(a, new HealthEvent.Success(10));
        clock.advance(Duration.ofMinutes(10));

        assertThat(policy.recover(succeeded, COOLDOWN).healthScore()).isEqualTo(62);
    }

    @Test
    void aSeedKeyCountsFromItsRateLimitResetWhenThatIsLatest() {
        Account a = seedAccount(50, ago(Duration.ofHours(2)), ago(Duration.ofMinutes(30)), ago(Duration.ofHours(3)));

        assertThat(policy.recover(a, COOLDOWN).healthScore()).isEqualTo(60);
        assertThat(policy.recover(a, 31).healthScore()).isEqualTo(50);
    }

    @Test
    void aSeedKeyCountsFromItsBillingLimitResetWhenThatIsLatest() {
        Account a = seedAccount(50, ago(Duration.ofHours(2)), ago(Duration.ofHours(3)), ago(Duration.ofMinutes(30)));

        assertThat(policy.recover(a, COOLDOWN).healthScore()).isEqualTo(60);
        assertThat(policy.recover(a, 31).healthScore()).isEqualTo(50);
    }

    @Test
    void aSeedKeyCountsFromItsLastUseWhenThatIsLatest() {
        Account a = seedAccount(50, ago(Duration.ofMinutes(30)), ago(Duration.ofHours(3)), ago(Duration.ofHours(2)));

        assertThat(policy.recover(a, COOLDOWN).healthScore()).isEqualTo(60);
        assertThat(policy.recover(a, 31).healthScore()).isEqualTo(50);
    }

    @Test
    void aSeedKeyStillLimitedRecoversOnlyAFullPeriodAfterItsLimitEnds() {
        long inTenMinutes = clock.instant().plus(Duration.ofMinutes(10)).toEpochMilli();
        Account a = seedAccount(50, ago(Duration.ofHours(5)), inTenMinutes, 0);

        assertThat(policy.recover(a, COOLDOWN)).isSameAs(a);
        clock.advance(Duration.ofMinutes(40));
        assertThat(policy.recover(a, COOLDOWN).healthScore()).isEqualTo(60);
    }

    @Test
    void aSeedKeyRecoveredOnceIsNotRecoveredAgainForThatPeriod() {
        Account a = seedAccount(50, ago(Duration.ofMinutes(45)), 0, 0);
        Account once = policy.recover(a, COOLDOWN);
        clock.advance(Duration.ofMinutes(14));

        assertThat(once.healthScore()).isEqualTo(60);
        assertThat(policy.recover(once, COOLDOWN)).isEqualTo(once);
        clock.advance(Duration.ofMinutes(1));
        assertThat(policy.recover(once, COOLDOWN).healthScore()).isEqualTo(70);
    }

    @Test
    void recoverAllUsesTheStatesCooldown() {
        AccountsState s = state(true, 60, penalisedTo(50));
        clock.advance(Duration.ofMinutes(59));
        assertThat(policy.recoverAll(s)).isSameAs(s);

        clock.advance(Duration.ofMinutes(1));
        assertThat(policy.recoverAll(s).accounts().get(0).healthScore()).isEqualTo(60);
    }

    @Test
    void recoverAllRecoversEveryKey() {
        Account healthy = Account.newKey(OTHER_KEY, "Beta", clock.millis());
        AccountsState s = state(true, COOLDOWN, penalisedTo(50), healthy, penalisedTo(20));
        clock.advance(PERIOD.multipliedBy(2));

        AccountsState r = policy.recoverAll(s);

        assertThat(r.accounts()).extracting(Account::healthScore).containsExactly(70, 100, 40);
        assertThat(r.accounts().get(1)).isSameAs(healthy);
    }

    @Test
    void recoverAllRecoversEvenWithAutoRefreshOff() {
        AccountsState s = state(false, COOLDOWN, penalisedTo(50));
        clock.advance(PERIOD);

        assertThat(policy.recoverAll(s).accounts().get(0).healthScore()).isEqualTo(60);
    }

    @Test
    void autoRecoverDoesNothingWithAutoRefreshOff() {
        AccountsState s = state(false, COOLDOWN, penalisedTo(50));
        clock.advance(PERIOD.multipliedBy(10));

        assertThat(policy.autoRecover(s)).isSameAs(s);
    }

    @Test
    void autoRecoverRecoversWithAutoRefreshOn() {
        AccountsState s = state(true, COOLDOWN, penalisedTo(50));
        clock.advance(PERIOD);

        AccountsState r = policy.autoRecover(s);

        assertThat(r.accounts().get(0).healthScore()).isEqualTo(60);
        assertThat(r.autoRefreshHealth()).isTrue();
        assertThat(r.healthRefreshCooldownMinutes()).isEqualTo(COOLDOWN);
    }
}
