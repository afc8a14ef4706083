package io.github.kimirotator.strategies.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Contract section 4 written out again from the raw account fields, independently of the selector, to check
 * every selection: which keys were candidates, that the choice is one of them, the "none eligible" instant,
 * and that each {@link KeyView} shows the account as it is.
 */
final class SelectionOracle {
    private SelectionOracle() {
    }

    static void verify(AccountsState state, Instant now, Set<Integer> excluded, Optional<String> session,
            ToIntFunction<String> inFlight, Selection selection, Optional<RecordingRegistry.Call> call) {
        long nowMillis = now.toEpochMilli();
        List<Integer> eligible = new ArrayList<>();
        List<Integer> lowHealth = new ArrayList<>();
        Optional<Instant> soonest = Optional.empty();
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            boolean limited = a.limitedUntil() > nowMillis;
            if (excluded.contains(i) || a.disabled()) {
                continue;
            }
            if (limited) {
                Instant until = Instant.ofEpochMilli(a.limitedUntil());
                soonest = soonest.filter(s -> s.isBefore(until)).or(() -> Optional.of(until));
            } else if (a.healthScore() >= 30) {
                eligible.add(i);
            } else {
                lowHealth.add(i);
            }
        }
        List<Integer> expected = eligible.isEmpty() ? lowHealth : eligible;
        if (expected.isEmpty()) {
            assertThat(selection).as("no key may be chosen").isEqualTo(new Selection.NoneEligible(soonest));
            assertThat(call).as("the strategy is not asked when there is no candidate").isEmpty();
            return;
        }
        assertThat(selection).isInstanceOf(Selection.Chosen.class);
        int chosen = ((Selection.Chosen) selection).index();
        assertThat(chosen).as("chosen among " + (eligible.isEmpty() ? "low-health" : "eligible") + " keys")
                .isIn(expected);
        assertThat(call).as("the strategy was asked").isPresent();
        SelectionRequest request = call.get().request();
        assertThat(request.candidates()).extracting(KeyView::index).containsExactlyElementsOf(expected);
        assertThat(request.activeIndex()).isEqualTo(state.safeActiveIndex());
        assertThat(request.sessionId()).isEqualTo(session);
        assertThat(request.now()).isEqualTo(now);
        assertThat(call.get().answer().index()).as("the selector returns the strategy's answer").isEqualTo(chosen);
        verifyViews(state, now, inFlight, request.keys());
    }

    private static void verifyViews(AccountsState state, Instant now, ToIntFunction<String> inFlight,
            List<KeyView> views) {
        String today = LocalDate.ofInstant(now, ZoneOffset.UTC).toString();
        assertThat(views).hasSameSizeAs(state.accounts());
        for (int i = 0; i < views.size(); i++) {
            Account a = state.accounts().get(i);
            KeyView v = views.get(i);
            boolean limited = a.limitedUntil() > now.toEpochMilli();
            String id = ApiKeys.id(a.key());
            assertThat(v.index()).isEqualTo(i);
            assertThat(v.id()).isEqualTo(id);
            assertThat(v.name()).isEqualTo(a.name());
            assertThat(v.health()).isEqualTo(a.healthScore());
            assertThat(v.disabled()).isEqualTo(a.disabled());
            assertThat(v.limitedUntil()).isEqualTo(
                    limited ? Optional.of(Instant.ofEpochMilli(a.limitedUntil())) : Optional.empty());
            assertThat(v.eligible()).isEqualTo(!a.disabled() && !limited && a.healthScore() >= 30);
            assertThat(v.lastUsed()).isEqualTo(Instant.ofEpochMilli(a.lastUsed()));
            assertThat(v.inFlight()).isEqualTo(inFlight.applyAsInt(id));
            assertThat(v.totalRequests()).isEqualTo(a.totalRequests());
            assertThat(v.successfulRequests()).isEqualTo(a.successfulRequests());
            assertThat(v.requestsToday()).isEqualTo(a.dailyRequests().getOrDefault(today, 0L));
        }
    }
}
