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

    /** One key. {@code limitedUntil} is ISO-8601 or {@code null}; {@code state} is a {@link KeyStatus} label. */
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
            long avgResponseMs,
            long p95ResponseMs,
            TokenUsage tokensToday) {
    }

    /** The report of {@code state} now, as {@code policy}'s clock tells it. */
    public static StatusReport of(AccountsState state, HealthPolicy policy, ToIntFunction<String> inFlight) {
        long now = policy.clock().millis();
        String today = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC).toString();
        List<KeyReport> keys = new ArrayList<>();
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            KeyStatus status = policy.status(a);
            String id = ApiKeys.id(a.key());
            keys.add(new KeyReport(i, id, ApiKeys.display(a.key()), a.name(), a.healthScore(), status.label(),
                    a.isLimited(now) ? Instant.ofEpochMilli(a.limitedUntil()).toString() : null,
                    status == KeyStatus.LIMITED || status == KeyStatus.DISABLED ? a.limitReason() : null,
                    inFlight.applyAsInt(id), a.totalRequests(), a.successfulRequests(),
                    a.dailyRequests().getOrDefault(today, 0L), averageResponseMillis(a), p95ResponseMillis(a),
                    a.tokensOn(today)));
        }
        return new StatusReport(state.effectiveStrategy(), state.safeActiveIndex(), keys);
    }

    /** The 95th percentile (nearest rank) of the recorded response times; 0 when none. */
    public static long p95ResponseMillis(Account account) {
        long[] sorted = account.responseTimes().stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
    }

    /** Mean of the recorded response times, rounded; 0 when none. */
    public static long averageResponseMillis(Account account) {
        return Math.round(account.responseTimes().stream().mapToLong(Long::longValue).average().orElse(0));
    }
}
