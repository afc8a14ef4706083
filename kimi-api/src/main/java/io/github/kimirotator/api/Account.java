package io.github.kimirotator.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One API key and everything known about it. Immutable; change it with {@link #toBuilder()}.
 *
 * <p>The first thirteen components are the seed's schema (times are epoch milliseconds, {@code 0} means
 * "never"). The rest are ours and optional in the file, because the seed drops fields it does not know
 * whenever it writes: {@code disabled} (set by a 401/403 until {@code clear-limits}), {@code limitReason}
 * (why the key is limited or disabled), {@code lastPenaltyAt} and {@code lastRecoveryAt} (epoch millis,
 * {@code 0} = not recorded), {@code dailyTokens} (tokens used per UTC date, kept as long as
 * {@code dailyRequests}) and {@code extra}, every field of the file this version does not know, kept
 * so that a rewrite loses nothing.
 */
public record Account(
        String key,
        String name,
        long addedAt,
        long lastUsed,
        long rateLimitResetTime,
        long billingLimitResetTime,
        int healthScore,
        int consecutiveFailures,
        int consecutiveBillingLimitHits,
        long totalRequests,
        long successfulRequests,
        List<Long> responseTimes,
        SortedMap<String, Long> dailyRequests,
        boolean disabled,
        String limitReason,
        long lastPenaltyAt,
        long lastRecoveryAt,
        SortedMap<String, TokenUsage> dailyTokens,
        Map<String, Object> extra) {

    public static final int MAX_HEALTH = 100;
    public static final int MAX_RESPONSE_TIMES = 100;

    public Account {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(name, "name");
        responseTimes = List.copyOf(responseTimes == null ? List.of() : responseTimes);
        // Unmodifiable copies; one this record or another made already is kept as it is (Frozen).
        dailyRequests = Frozen.sorted(dailyRequests);
        dailyTokens = Frozen.sorted(dailyTokens);
        extra = Frozen.inOrder(extra);
    }

    /**
     * {@code owned} as a daily map an account keeps without copying it: for code that has just built the map
     * and hands it over (it must not keep or change it afterwards), such as the health policy on every event.
     */
    public static <V> SortedMap<String, V> handOver(TreeMap<String, V> owned) {
        return Frozen.adopt(owned);
    }

    /** An account without token counts (files and backups written before they were kept). */
    public Account(String key, String name, long addedAt, long lastUsed, long rateLimitResetTime,
            long billingLimitResetTime, int healthScore, int consecutiveFailures, int consecutiveBillingLimitHits,
            long totalRequests, long successfulRequests, List<Long> responseTimes, SortedMap<String, Long> dailyRequests,
            boolean disabled, String limitReason, long lastPenaltyAt, long lastRecoveryAt, Map<String, Object> extra) {
        this(key, name, addedAt, lastUsed, rateLimitResetTime, billingLimitResetTime, healthScore,
                consecutiveFailures, consecutiveBillingLimitHits, totalRequests, successfulRequests, responseTimes,
                dailyRequests, disabled, limitReason, lastPenaltyAt, lastRecoveryAt, null, extra);
    }

    /** Tokens used on the UTC date {@code day} ({@code yyyy-MM-dd}). */
    public TokenUsage tokensOn(String day) {
        return dailyTokens.getOrDefault(day, TokenUsage.NONE);
    }

    /** A fresh key as {@code add-key} stores it. */
    public static Account newKey(String key, String name, long nowMillis) {
        return new Account(key, name, nowMillis, nowMillis, 0, 0, MAX_HEALTH, 0, 0, 0, 0,
                List.of(), new TreeMap<>(), false, null, 0, 0, new TreeMap<>(), Map.of());
    }

    /** The later of the two limit reset times, in epoch millis ({@code 0} when never limited). */
    public long limitedUntil() {
        return Math.max(rateLimitResetTime, billingLimitResetTime);
    }

    /** Whether a rate or billing limit is still running at {@code nowMillis}. */
    public boolean isLimited(long nowMillis) {
        return limitedUntil() > nowMillis;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder over a copy of an account; every setter returns this builder. */
    public static final class Builder {
        private String key;
        private String name;
        private long addedAt;
        private long lastUsed;
        private long rateLimitResetTime;
        private long billingLimitResetTime;
        private int healthScore;
        private int consecutiveFailures;
        private int consecutiveBillingLimitHits;
        private long totalRequests;
        private long successfulRequests;
        private List<Long> responseTimes;
        private SortedMap<String, Long> dailyRequests;
        private boolean disabled;
        private String limitReason;
        private long lastPenaltyAt;
        private long lastRecoveryAt;
        private SortedMap<String, TokenUsage> dailyTokens;
        private Map<String, Object> extra;

        private Builder(Account a) {
            key = a.key;
            name = a.name;
            addedAt = a.addedAt;
            lastUsed = a.lastUsed;
            rateLimitResetTime = a.rateLimitResetTime;
            billingLimitResetTime = a.billingLimitResetTime;
            healthScore = a.healthScore;
            consecutiveFailures = a.consecutiveFailures;
            consecutiveBillingLimitHits = a.consecutiveBillingLimitHits;
            totalRequests = a.totalRequests;
            successfulRequests = a.successfulRequests;
            responseTimes = a.responseTimes;
            dailyRequests = a.dailyRequests;
            disabled = a.disabled;
            limitReason = a.limitReason;
            lastPenaltyAt = a.lastPenaltyAt;
            lastRecoveryAt = a.lastRecoveryAt;
            dailyTokens = a.dailyTokens;
            extra = a.extra;
        }

        public Builder key(String v) { key = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder addedAt(long v) { addedAt = v; return this; }
        public Builder lastUsed(long v) { lastUsed = v; return this; }
        public Builder rateLimitResetTime(long v) { rateLimitResetTime = v; return this; }
        public Builder billingLimitResetTime(long v) { billingLimitResetTime = v; return this; }
        public Builder healthScore(int v) { healthScore = v; return this; }
        public Builder consecutiveFailures(int v) { consecutiveFailures = v; return this; }
        public Builder consecutiveBillingLimitHits(int v) { consecutiveBillingLimitHits = v; return this; }
        public Builder totalRequests(long v) { totalRequests = v; return this; }
        public Builder successfulRequests(long v) { successfulRequests = v; return this; }
        public Builder responseTimes(List<Long> v) { responseTimes = v; return this; }
        public Builder dailyRequests(SortedMap<String, Long> v) { dailyRequests = v; return this; }
        public Builder disabled(boolean v) { disabled = v; return this; }
        public Builder limitReason(String v) { limitReason = v; return this; }
        public Builder lastPenaltyAt(long v) { lastPenaltyAt = v; return this; }
        public Builder lastRecoveryAt(long v) { lastRecoveryAt = v; return this; }
        public Builder dailyTokens(SortedMap<String, TokenUsage> v) { dailyTokens = v; return this; }
        public Builder extra(Map<String, Object> v) { extra = v; return this; }

        public Account build() {
            return new Account(key, name, addedAt, lastUsed, rateLimitResetTime, billingLimitResetTime,
                    healthScore, consecutiveFailures, consecutiveBillingLimitHits, totalRequests,
                    successfulRequests, responseTimes, dailyRequests, disabled, limitReason, lastPenaltyAt,
                    lastRecoveryAt, dailyTokens, extra);
        }
    }
}
