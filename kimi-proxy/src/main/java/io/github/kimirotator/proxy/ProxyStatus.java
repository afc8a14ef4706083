package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What {@code /_kimi/status} answers, in the contract's shape (section 3). Serialized by Jackson in component
 * order. Holds no key, only its id and display form.
 */
public record ProxyStatus(String strategy, int activeIndex, List<KeyReport> keys) {

    public ProxyStatus {
        keys = List.copyOf(keys);
    }

    /**
     * One key.
     *
     * @param state {@code "active"}, {@code "limited"}, {@code "disabled"} or {@code "low-health"}
     * @param limitedUntil ISO-8601 end of a running limit, or {@code null}
     * @param reason why the key is limited or disabled, or {@code null}
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
            long avgResponseMs) {
    }

    /** The status of {@code state} now, by {@code policy}'s clock, with in-flight counts by key id. */
    public static ProxyStatus of(AccountsState state, HealthPolicy policy, ToIntFunction<String> inFlightById) {
        Instant now = policy.clock().instant();
        String today = LocalDate.ofInstant(now, ZoneOffset.UTC).toString();
        List<KeyReport> keys = new ArrayList<>(state.accounts().size());
        for (int i = 0; i < state.accounts().size(); i++) {
            Account a = state.accounts().get(i);
            KeyStatus status = policy.status(a);
            String id = ApiKeys.id(a.key());
            boolean limitedNow = a.isLimited(now.toEpochMilli());
            boolean explained = status == KeyStatus.LIMITED || status == KeyStatus.DISABLED;
            keys.add(new KeyReport(
                    i,
                    id,
                    ApiKeys.display(a.key()),
                    a.name(),
                    a.healthScore(),
                    status.label(),
                    limitedNow ? Instant.ofEpochMilli(a.limitedUntil()).toString() : null,
                    explained ? a.limitReason() : null,
                    inFlightById.applyAsInt(id),
                    a.totalRequests(),
                    a.successfulRequests(),
                    a.dailyRequests().getOrDefault(today, 0L),
                    Math.round(a.responseTimes().stream().mapToLong(Long::longValue).average().orElse(0))));
        }
        return new ProxyStatus(state.effectiveStrategy(), state.safeActiveIndex(), keys);
    }
}
