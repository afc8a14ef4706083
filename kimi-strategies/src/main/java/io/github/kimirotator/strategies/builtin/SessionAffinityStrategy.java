package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/**
 * Keeps each client session on one key while that key is a candidate, so the upstream's prompt cache for the
 * session stays warm. A new session (or one whose key can no longer be used) goes to the least busy candidate:
 * fewest in-flight requests, then fewest requests today, then lowest index. Requests without a session are
 * chosen as {@link HealthBasedStrategy} would. Sessions are remembered by key id, so removing another key does
 * not move them. With shared state (several proxies on one Redis) the shared session table's key for the
 * session ({@link SelectionRequest#sharedSessionKeyId()}) comes before this instance's own memory, so every
 * proxy sends one session to one key.
 */
public final class SessionAffinityStrategy implements RotationStrategy {
    public static final String NAME = "session-affinity";
    public static final int MAX_SESSIONS = 10_000;
    public static final Duration SESSION_IDLE = Duration.ofHours(1);

    private static final Comparator<KeyView> LEAST_BUSY_FIRST = Comparator.comparingInt(KeyView::inFlight)
            .thenComparingLong(KeyView::requestsToday)
            .thenComparingInt(KeyView::index);

    private final SessionTable sessions = new SessionTable(MAX_SESSIONS, SESSION_IDLE);
    private final HealthBasedStrategy withoutSession = new HealthBasedStrategy();

    @Override
    public KeyView choose(SelectionRequest request) {
        if (request.sessionId().isEmpty()) {
            return withoutSession.choose(request);
        }
        String session = request.sessionId().get();
        Optional<String> remembered = sessions.keyOf(session, request.now());
        Optional<KeyView> previous = request.sharedSessionKeyId().or(() -> remembered)
                .flatMap(id -> request.candidates().stream().filter(k -> k.id().equals(id)).findFirst());
        KeyView chosen = previous.orElseGet(() -> request.candidates().stream().min(LEAST_BUSY_FIRST).orElseThrow());
        sessions.remember(session, chosen.id(), request.now());
        return chosen;
    }
}
