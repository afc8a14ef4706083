package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestHealthJournal {

    @Test
    void replayGivesTheSameStateAsApplyingLive() {
        AccountsState start = ProxyHarness.stateWith(KEY_A, KEY_B);
        List<HealthJournal.Entry> entries = List.of(
                new HealthJournal.Entry(KEY_A, new HealthEvent.Success(120), START),
                new HealthJournal.Entry(KEY_A, new HealthEvent.RateLimited(Optional.of(Duration.ofSeconds(30))),
                        START.plusSeconds(5)),
                new HealthJournal.Entry(KEY_B, new HealthEvent.Failure("500"), START.plusSeconds(6)));

        AccountsState replayed = HealthJournal.replay(start, entries, ZoneOffset.UTC);

        Account a = start.accounts().get(0);
        a = new HealthPolicy(Clock.fixed(START, ZoneOffset.UTC)).apply(a, new HealthEvent.Success(120));
        a = new HealthPolicy(Clock.fixed(START.plusSeconds(5), ZoneOffset.UTC))
                .apply(a, new HealthEvent.RateLimited(Optional.of(Duration.ofSeconds(30))));
        assertThat(replayed.accounts().get(0)).isEqualTo(a);
        assertThat(replayed.accounts().get(0).rateLimitResetTime()).isEqualTo(START.plusSeconds(35).toEpochMilli());
        assertThat(replayed.accounts().get(1).healthScore()).isEqualTo(80);
    }

    @Test
    void eventsFollowTheirKeyToItsNewIndexAndAreDroppedWithIt() {
        AccountsState fileNow = ProxyHarness.stateWith(KEY_B, KEY_A);
        AccountsState withoutA = ProxyHarness.stateWith(KEY_B);
        List<HealthJournal.Entry> entries = List.of(new HealthJournal.Entry(KEY_A, new HealthEvent.Success(10), START));

        assertThat(HealthJournal.replay(fileNow, entries, ZoneOffset.UTC).accounts().get(1).totalRequests()).isEqualTo(1);
        assertThat(HealthJournal.replay(fileNow, entries, ZoneOffset.UTC).accounts().get(0).totalRequests()).isZero();
        assertThat(HealthJournal.replay(withoutA, entries, ZoneOffset.UTC)).isEqualTo(withoutA);
    }

    @Test
    void recoveryDueBeforeAPenaltyIsAppliedFirstSoItIsNotLost() {
        long penalizedAt = START.minus(Duration.ofHours(2)).toEpochMilli();
        AccountsState start = ProxyHarness.stateWith(KEY_A).withAccount(0, a -> a.toBuilder().healthScore(40)
                .lastPenaltyAt(penalizedAt).lastUsed(penalizedAt).build());
        List<HealthJournal.Entry> entries = List.of(new HealthJournal.Entry(KEY_A, new HealthEvent.Failure("500"), START));

        Account after = HealthJournal.replay(start, entries, ZoneOffset.UTC).accounts().get(0);

        // 2 h at a 30 min cooldown: +40, then the failure: -20.
        assertThat(after.healthScore()).isEqualTo(60);
        assertThat(HealthJournal.replay(start.withAutoRefreshHealth(false), entries, ZoneOffset.UTC).accounts().get(0)
                .healthScore()).isEqualTo(20);
    }
}
