package io.github.kimirotator.strategies.report;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.TokenUsage;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The keys as the proxy's {@code /_kimi/status} and {@code list-keys --json} show them (contract section 3).
 * Component names are the JSON field names. Never holds a whole key.
 */
public record StatusReport(String strategy, int activeIndex, List<KeyReport> keys) {

    public StatusReport {
        keys = List.copyOf(keys);
    }

    /**
     * One key. {@code limitedUntil} is ISO-8601 or {@code null}; {@code state} is a {@link KeyStatus} label;
     * {@code avgResponseMs} and {@code p95ResponseMs} are {@code null} when the key has no timing samples (as in
     * {@code stats --json}: no samples is not a 0 ms answer).
     */
    public record KeyReport(
            int index,
            String id,
            String display,
            String name,
            int health,
            String state,
            String limitedUntil,
            String reason,
            int inFlight,
            long totalRequests,
            long successfulRequests,
            long requestsToday,
            Long avgResponseMs,
            Long p95ResponseMs,
            TokenUsage tokensToday) {
    }

    /** The report of {@code state} now, as {@code policy}'s clock tells it. */
    public static StatusReport of(AccountsState state, HealthPolicy policy, ToIntFunction<String> inFlight) {
        return build(state, policy, inFlight);
    }

    /**
     * The report for a view that shows no key ids (the text of {@code list-keys}): every {@code id} is
     * {@code null} and nothing is in flight. Saves the SHA-256 set-up, which costs start-up time.
     */
    public static StatusReport withoutIds(AccountsState state, HealthPolicy policy) {
        return build(state, policy, null);
    }

    private static StatusReport build(AccountsState state, HealthPolicy policy, ToIntFunction<String> inFlight) {
        long now = policy.clock().millis();
        String today = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC).toString();
        List<KeyReport> keys = new ArrayList<>();
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            KeyStatus status = policy.status(a);
            String id = inFlight == null ? null : ApiKeys.id(a.key());
            keys.add(new KeyReport(i, id, ApiKeys.display(a.key()), a.name(), a.healthScore(), status.label(),
                    a.isLimited(now) ? Instant.ofEpochMilli(a.limitedUntil()).toString() : null,
                    status == KeyStatus.LIMITED || status == KeyStatus.DISABLED ? a.limitReason() : null,
                    inFlight == null ? 0 : inFlight.applyAsInt(id), a.totalRequests(), a.successfulRequests(),
                    a.dailyRequests().getOrDefault(today, 0L), averageResponseMillis(a), p95ResponseMillis(a),
                    a.tokensOn(today)));
        }
        return new StatusReport(state.effectiveStrategy(), state.safeActiveIndex(), keys);
    }

    /** The 95th percentile (nearest rank) of the recorded response times; null when none. */
    public static Long p95ResponseMillis(Account account) {
        List<Long> times = account.responseTimes();
        if (times.isEmpty()) {
            return null;
        }
        // a loop, not a stream: every command that shows keys runs this, and a first lambda costs start-up time
        long[] sorted = new long[times.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = times.get(i);
        }
        java.util.Arrays.sort(sorted);
        return sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
    }

    /** Mean of the recorded response times, rounded; null when none. */
    public static Long averageResponseMillis(Account account) {
        List<Long> times = account.responseTimes();
        if (times.isEmpty()) {
            return null;
        }
        double sum = 0;
        for (long t : times) {
            sum += t;
        }
        return Math.round(sum / times.size());
    }
}
