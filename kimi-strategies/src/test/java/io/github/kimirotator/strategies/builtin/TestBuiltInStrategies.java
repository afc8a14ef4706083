package io.github.kimirotator.strategies.builtin;

import static io.github.kimirotator.strategies.testing.TestKey.key;
import static io.github.kimirotator.strategies.testing.TestKey.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.testing.TestKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class TestBuiltInStrategies {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    static List<Integer> choices(RotationStrategy s, int times, Supplier<SelectionRequest> request) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.add(s.choose(request.get()).index());
        }
        return out;
    }

    @Test
    void roundRobinCyclesOverTheCandidatesStartingAfterTheActiveKey() {
        RoundRobinStrategy rr = new RoundRobinStrategy();

        assertThat(choices(rr, 7, () -> request(2, key(0), key(2), key(3), key(5))))
                .containsExactly(3, 5, 0, 2, 3, 5, 0);
    }

    @Test
    void roundRobinContinuesFromItsLastChoiceWhenTheCandidatesChange() {
        RoundRobinStrategy rr = new RoundRobinStrategy();
        rr.choose(request(0, key(0), key(1), key(2), key(3)));

        assertThat(rr.choose(request(0, key(0), key(3))).index()).as("after 1 comes 3").isEqualTo(3);
        assertThat(rr.choose(request(0, key(0), key(3))).index()).isEqualTo(0);
    }

    @Test
    void stickyKeepsTheActiveKeyWhileItIsACandidate() {
        StickyStrategy sticky = new StickyStrategy();

        assertThat(choices(sticky, 3, () -> request(1, key(0), key(1), key(2)))).containsOnly(1);
        assertThat(sticky.choose(request(1, key(0), key(2), key(3))).index()).as("next after the active").isEqualTo(2);
        assertThat(sticky.choose(request(3, key(0), key(1), key(2))).index()).as("wraps around").isEqualTo(0);
    }

    @Test
    void healthBasedPrefersTheHealthiestThenTheLeastRecentlyUsedThenTheLowestIndex() {
        HealthBasedStrategy hb = new HealthBasedStrategy();
        KeyView active = key(9).health(10);

        assertThat(hb.choose(request(9, key(0).health(70), key(1).health(90), active)).index()).isEqualTo(1);
        assertThat(hb.choose(request(9, key(0).lastUsed(T0), key(1).lastUsed(T0.minusSeconds(1)), key(2).lastUsed(T0),
                active)).index()).isEqualTo(1);
        assertThat(hb.choose(request(9, key(3), key(1), active)).index()).isEqualTo(1);
    }

    @Test
    void healthBasedStaysOnTheActiveKeyUnlessAnotherIsTwentyPointsBetter() {
        HealthBasedStrategy hb = new HealthBasedStrategy();

        assertThat(hb.choose(request(0, key(0).health(71), key(1).health(90))).index()).isEqualTo(0);
        assertThat(hb.choose(request(0, key(0).health(70), key(1).health(90))).index()).isEqualTo(1);
        assertThat(hb.choose(request(5, key(0).health(70), key(1).health(90))).index())
                .as("the active key is not a candidate").isEqualTo(1);
    }

    @Test
    void sessionAffinityKeepsASessionOnItsKey() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();
        Optional<String> ses = Optional.of("ses_1");

        assertThat(sa.choose(request(0, ses, T0, key(0).inFlight(2), key(1), key(2))).index()).isEqualTo(1);
        assertThat(sa.choose(request(0, ses, T0.plusSeconds(60), key(0), key(1).inFlight(5), key(2))).index())
                .as("busier now, but the session's prompt cache is there").isEqualTo(1);
    }

    @Test
    void sessionAffinitySendsANewSessionToTheLeastBusyKey() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();

        assertThat(sa.choose(request(0, Optional.of("a"), T0, key(0).inFlight(1).requestsToday(5),
                key(1).inFlight(1).requestsToday(3),
                key(2).inFlight(1).requestsToday(2), key(3).inFlight(2))).index()).isEqualTo(2);
        assertThat(sa.choose(request(0, Optional.of("b"), T0, key(0), key(1))).index()).as("then lowest index")
                .isEqualTo(0);
    }

    @Test
    void sessionAffinityMovesASessionWhoseKeyCannotBeUsedAndKeepsItThere() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();
        Optional<String> ses = Optional.of("ses_1");
        sa.choose(request(0, ses, T0, key(0), key(1).inFlight(1)));

        assertThat(sa.choose(request(0, ses, T0, key(1).inFlight(1), key(2).inFlight(3))).index()).isEqualTo(1);
        assertThat(sa.choose(request(0, ses, T0, key(0), key(1).inFlight(1), key(2))).index())
                .as("the session now lives on key 1").isEqualTo(1);
    }

    @Test
    void sessionAffinityFollowsTheKeyNotItsIndex() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();
        Optional<String> ses = Optional.of("ses_1");
        KeyView second = key(1);
        sa.choose(request(0, ses, T0, key(0).inFlight(1), second));

        // key 0 was removed: the same key is now at index 0
        KeyView moved = new TestKey(0, second.id(), second.name(), 100,
                false, Optional.empty(), true, Instant.EPOCH, 4, 0, 0, 0);
        assertThat(sa.choose(request(0, ses, T0, moved, key(1))).id()).isEqualTo(second.id());
    }

    @Test
    void sessionAffinityForgetsASessionAfterAnHourIdle() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();
        Optional<String> ses = Optional.of("ses_1");
        sa.choose(request(0, ses, T0, key(0).inFlight(1), key(1)));
        sa.choose(request(0, ses, T0.plus(Duration.ofMinutes(59)), key(0), key(1).inFlight(1)));

        assertThat(sa.choose(request(0, ses, T0.plus(Duration.ofMinutes(118)), key(0), key(1).inFlight(1))).index())
                .as("59 min idle: remembered").isEqualTo(1);
        assertThat(sa.choose(request(0, ses, T0.plus(Duration.ofMinutes(178)), key(0), key(1).inFlight(1))).index())
                .as("60 min idle: a new session").isEqualTo(0);
    }

    @Test
    void sessionAffinityWithoutASessionIsHealthBased() {
        SessionAffinityStrategy sa = new SessionAffinityStrategy();

        assertThat(sa.choose(request(0, key(0).health(70), key(1).health(90).inFlight(4))).index()).isEqualTo(1);
        assertThat(sa.choose(request(0, key(0).health(71), key(1).health(90))).index()).isEqualTo(0);
    }

    @Test
    void theSessionTableIsBoundedAndForgetsTheLeastRecentlySeen() {
        SessionTable table = new SessionTable(SessionAffinityStrategy.MAX_SESSIONS,
                SessionAffinityStrategy.SESSION_IDLE);
        for (int i = 0; i < SessionAffinityStrategy.MAX_SESSIONS; i++) {
            table.remember("s" + i, "k-1", T0);
        }
        table.keyOf("s0", T0);

        table.remember("one more", "k-2", T0);

        assertThat(table.size()).isEqualTo(10_000);
        assertThat(table.keyOf("s0", T0)).as("seen recently").contains("k-1");
        assertThat(table.keyOf("s1", T0)).as("the least recently seen").isEmpty();
        assertThat(table.keyOf("one more", T0)).contains("k-2");
    }

    @Test
    void theSessionTableLetsIdleSessionsGo() {
        SessionTable table = new SessionTable(100, Duration.ofHours(1));
        for (int i = 0; i < 50; i++) {
            table.remember("old" + i, "k-1", T0);
        }
        table.remember("recent", "k-2", T0.plus(Duration.ofMinutes(30)));

        assertThat(table.keyOf("recent", T0.plus(Duration.ofMinutes(60)))).contains("k-2");
        assertThat(table.size()).as("the memory is given back, not just hidden").isEqualTo(1);
    }
}
