package io.github.kimirotator.strategies.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.testing.StrategyCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Session-affinity's promises: a session seen less than an hour ago stays on its key while that key is a
 * candidate; a new session goes to the least busy candidate; no session behaves as health-based.
 */
final class SessionAffinityCheck implements StrategyCheck {
    private record Seen(String keyId, Instant at) {
    }

    private final Map<String, Seen> sessions = new HashMap<>();
    private final HealthBasedCheck withoutSession = new HealthBasedCheck();

    @Override
    public void verify(SelectionRequest request, KeyView chosen) {
        if (request.sessionId().isEmpty()) {
            withoutSession.verify(request, chosen);
            return;
        }
        String session = request.sessionId().get();
        Optional<KeyView> previous = Optional.ofNullable(sessions.get(session))
                .filter(s -> request.now().isBefore(s.at().plus(Duration.ofHours(1))))
                .flatMap(s -> request.candidates().stream().filter(k -> k.id().equals(s.keyId())).findFirst());
        if (previous.isPresent()) {
            assertThat(chosen.id()).as("session %s stays on its key", session).isEqualTo(previous.get().id());
        } else {
            KeyView leastBusy = request.candidates().stream()
                    .min(Comparator.comparingInt(KeyView::inFlight).thenComparingLong(KeyView::requestsToday))
                    .orElseThrow();
            assertThat(chosen.index()).as("new session %s goes to the least busy key", session)
                    .isEqualTo(leastBusy.index());
        }
        sessions.put(session, new Seen(chosen.id(), request.now()));
    }
}
