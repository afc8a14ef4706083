package io.github.kimirotator.strategies.health;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.TokenUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * The health rules of contract section 4: how each {@link HealthEvent} changes a key, when health recovers,
 * and which keys are eligible. Pure functions of their inputs and the injected {@link Clock}; the clock's
 * zone is the "local" zone of billing resets, UTC is used for {@code dailyRequests}.
 */
public final class HealthPolicy {
    public static final int SUCCESS_GAIN = 2;
    public static final int RATE_LIMIT_PENALTY = 15;
    public static final int BILLING_PENALTY = 30;
    public static final int MEMBERSHIP_PENALTY = 25;
    public static final int REJECTED_PENALTY = 20;
    public static final int FAILURE_PENALTY = 20;
    public static final int RECOVERY_STEP = 10;
    public static final int MIN_ELIGIBLE_HEALTH = 30;
    public static final int DAILY_DAYS_KEPT = 31;
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);
    public static final Duration MIN_BILLING_LIMIT = Duration.ofHours(1);
    public static final Duration MEMBERSHIP_LIMIT = Duration.ofHours(24);
    public static final String REASON_RATE_LIMITED = "rate limited";
    public static final String REASON_BILLING = "billing limit";
    public static final String REASON_MEMBERSHIP = "membership not verified";

    private final Clock clock;

    public HealthPolicy(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Clock clock() {
        return clock;
    }

    /** The account after {@code event} happened now. */
    public Account apply(Account account, HealthEvent event) {
        Instant now = clock.instant();
        if (event instanceof HealthEvent.TokensUsed used) {
            return account.toBuilder().dailyTokens(tokensToday(account.dailyTokens(), used.usage(), now)).build();
        }
        long nowMillis = now.toEpochMilli();
        Account.Builder b = account.toBuilder()
                .totalRequests(account.totalRequests() + 1)
                .lastUsed(Math.max(account.lastUsed(), nowMillis));
        if (event instanceof HealthEvent.Success success) {
            return b.healthScore(clamp(account.healthScore() + SUCCESS_GAIN))
                    .successfulRequests(account.successfulRequests() + 1)
                    .consecutiveFailures(0)
                    .consecutiveBillingLimitHits(0)
                    .responseTimes(withTime(account.responseTimes(), success.responseTimeMillis()))
                    .dailyRequests(countToday(account.dailyRequests(), now))
                    .build();
        }
        b.consecutiveFailures(account.consecutiveFailures() + 1).lastPenaltyAt(nowMillis);
        if (event instanceof HealthEvent.RateLimited limited) {
            return rateLimit(b, account, limited.retryAfter().orElse(DEFAULT_RETRY_AFTER), nowMillis);
        }
        if (event instanceof HealthEvent.BillingLimit billing) {
            int hits = account.consecutiveBillingLimitHits() + 1;
            b.consecutiveBillingLimitHits(hits);
            if (billing.soft() && hits < 2) {
                return rateLimit(b, account, DEFAULT_RETRY_AFTER, nowMillis);
            }
            long until = billingLimitUntil(now);
            return b.healthScore(clamp(account.healthScore() - BILLING_PENALTY))
                    .billingLimitResetTime(Math.max(account.billingLimitResetTime(), until))
                    .limitReason(reason(account, until, REASON_BILLING))
                    .build();
        }
        if (event instanceof HealthEvent.MembershipRefused) {
            long until = now.plus(MEMBERSHIP_LIMIT).toEpochMilli();
            return b.healthScore(clamp(account.healthScore() - MEMBERSHIP_PENALTY))
                    .billingLimitResetTime(Math.max(account.billingLimitResetTime(), until))
                    .limitReason(reason(account, until, REASON_MEMBERSHIP))
                    .build();
        }
        if (event instanceof HealthEvent.KeyRejected rejected) {
            return b.healthScore(clamp(account.healthScore() - REJECTED_PENALTY))
                    .disabled(true)
                    .limitReason(rejectedReason(rejected))
                    .build();
        }
        if (event instanceof HealthEvent.Failure) {
            return b.healthScore(clamp(account.healthScore() - FAILURE_PENALTY)).build();
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    /**
     * {@code account} after {@code event} that happened at {@code at} (billing resets in {@code zone}).
     * Recovery due by then is applied first when {@code autoRecover} is on, as it would have been when the key
     * was considered; otherwise the penalty's new {@code lastPenaltyAt} would erase the recovery for good.
     * Replaying recorded events through this gives exactly the effect they had when they happened.
     */
    public static Account applyAt(Account account, HealthEvent event, Instant at, ZoneId zone, boolean autoRecover,
            int cooldownMinutes) {
        HealthPolicy atEvent = new HealthPolicy(Clock.fixed(at, zone));
        Account base = autoRecover ? atEvent.recover(account, cooldownMinutes) : account;
        return atEvent.apply(base, event);
    }

    /**
     * {@code account} after {@code events}, in order, the i-th at {@code atMillis[i]}: the same account as
     * {@link #applyAt} applied to each in turn, built once for each run of successes and token counts instead of
     * once per event (recovery, health, counts, response times and daily maps are carried along as plain
     * numbers; a run's daily maps get one merge per UTC day). Other events go through {@link #applyAt}.
     */
    public static Account applyAllAt(Account account, List<? extends HealthEvent> events, long[] atMillis,
            ZoneId zone, boolean autoRecover, int cooldownMinutes) {
        Account current = account;
        int n = events.size();
        int i = 0;
        while (i < n) {
            if (!isUsage(events.get(i))) {
                current = applyAt(current, events.get(i), Instant.ofEpochMilli(atMillis[i]), zone, autoRecover,
                        cooldownMinutes);
                i++;
                continue;
            }
            int end = i + 1;
            while (end < n && isUsage(events.get(end))) {
                end++;
            }
            current = new UsageRun(current, autoRecover, cooldownMinutes).apply(events, atMillis, i, end);
            i = end;
        }
        return current;
    }

    /** Whether {@code event} is a success or a token count: usage, which only moves counters and health a little. */
    public static boolean isUsage(HealthEvent event) {
        return event instanceof HealthEvent.Success || event instanceof HealthEvent.TokensUsed;
    }

    /**
     * Successes and token counts of one account applied as {@link #applyAt} does, one event after another, on
     * plain fields; the account is built once at the end.
     */
    private static final class UsageRun {
        private final Account start;
        private final boolean autoRecover;
        private final long period;
        private int health;
        private long lastRecoveryAt;
        private long lastUsed;
        private long totalRequests;
        private long successfulRequests;
        private boolean succeeded;
        private long[] times = new long[0];
        private int timeCount;
        private SortedMap<String, Long> daily;
        private SortedMap<String, TokenUsage> tokens;
        private long requestDay = Long.MIN_VALUE;
        private long requestDayAt;
        private long requestsThatDay;
        private long tokenDay = Long.MIN_VALUE;
        private long tokenDayAt;
        private TokenUsage tokensThatDay;

        UsageRun(Account start, boolean autoRecover, int cooldownMinutes) {
            this.start = start;
            this.autoRecover = autoRecover && cooldownMinutes > 0;
            this.period = Duration.ofMinutes(Math.max(0, cooldownMinutes)).toMillis();
            health = start.healthScore();
            lastRecoveryAt = start.lastRecoveryAt();
            lastUsed = start.lastUsed();
            totalRequests = start.totalRequests();
            successfulRequests = start.successfulRequests();
            daily = start.dailyRequests();
            tokens = start.dailyTokens();
        }

        Account apply(List<? extends HealthEvent> events, long[] atMillis, int from, int to) {
            for (int i = from; i < to; i++) {
                long now = atMillis[i];
                if (autoRecover) {
                    recover(now);
                }
                if (events.get(i) instanceof HealthEvent.Success success) {
                    succeed(now, success.responseTimeMillis());
                } else {
                    countTokens(now, ((HealthEvent.TokensUsed) events.get(i)).usage());
                }
            }
            return build();
        }

        /** {@link HealthPolicy#recover} at {@code now}, on the fields a run changes. */
        private void recover(long now) {
            if (health >= Account.MAX_HEALTH) {
                return;
            }
            long lastPenalty = start.lastPenaltyAt() > 0 ? start.lastPenaltyAt()
                    : Math.max(lastUsed, Math.max(start.rateLimitResetTime(), start.billingLimitResetTime()));
            long anchor = Math.max(lastPenalty, lastRecoveryAt);
            long periods = (now - anchor) / period;
            if (anchor <= 0 || periods <= 0) {
                return;
            }
            health = clamp(health + (int) Math.min((long) Account.MAX_HEALTH, periods * RECOVERY_STEP));
            lastRecoveryAt = anchor + periods * period;
        }

        private void succeed(long now, long responseTimeMillis) {
            succeeded = true;
            totalRequests++;
            successfulRequests++;
            lastUsed = Math.max(lastUsed, now);
            health = clamp(health + SUCCESS_GAIN);
            if (timeCount == times.length) {
                times = java.util.Arrays.copyOf(times, Math.max(8, timeCount * 2));
            }
            times[timeCount++] = responseTimeMillis;
            long day = Math.floorDiv(now, 86_400_000L);
            if (day != requestDay) {
                flushRequests();
                requestDay = day;
                requestDayAt = now;
            }
            requestsThatDay++;
        }

        private void countTokens(long now, TokenUsage used) {
            long day = Math.floorDiv(now, 86_400_000L);
            if (day != tokenDay) {
                flushTokens();
                tokenDay = day;
                tokenDayAt = now;
            }
            tokensThatDay = tokensThatDay == null ? used : tokensThatDay.plus(used);
        }

        // Adding n to a day's count once is adding 1 n times: the day is the newest, so nothing more is dropped.
        private void flushRequests() {
            if (requestsThatDay > 0) {
                daily = addToday(daily, Instant.ofEpochMilli(requestDayAt), requestsThatDay, Long::sum);
                requestsThatDay = 0;
            }
        }

        private void flushTokens() {
            if (tokensThatDay != null) {
                tokens = addToday(tokens, Instant.ofEpochMilli(tokenDayAt), tokensThatDay, TokenUsage::plus);
                tokensThatDay = null;
            }
        }

        private Account build() {
            flushRequests();
            flushTokens();
            Account.Builder b = start.toBuilder()
                    .healthScore(health)
                    .lastRecoveryAt(lastRecoveryAt)
                    .dailyTokens(tokens);
            if (succeeded) {
                b.totalRequests(totalRequests)
                        .successfulRequests(successfulRequests)
                        .lastUsed(lastUsed)
                        .consecutiveFailures(0)
                        .consecutiveBillingLimitHits(0)
                        .responseTimes(withTimes(start.responseTimes(), times, timeCount))
                        .dailyRequests(daily);
            }
            return b.build();
        }
    }

    private static Account rateLimit(Account.Builder b, Account account, Duration retryAfter, long nowMillis) {
        long until = plusSaturated(nowMillis, retryAfter);
        return b.healthScore(clamp(account.healthScore() - RATE_LIMIT_PENALTY))
                .rateLimitResetTime(Math.max(account.rateLimitResetTime(), until))
                .limitReason(reason(account, until, REASON_RATE_LIMITED))
                .build();
    }

    /** When a billing limit that starts at {@code now} ends: the next local midnight, at least an hour away. */
    public long billingLimitUntil(Instant now) {
        return Math.max(nextLocalMidnight(now).toEpochMilli(), now.plus(MIN_BILLING_LIMIT).toEpochMilli());
    }

    /** The reason shown for a key the upstream rejected. */
    public static String rejectedReason(HealthEvent.KeyRejected rejected) {
        return "key rejected (" + rejected.status() + ")";
    }

    /** {@code nowMillis} plus {@code d}, never before now; saturates so that an absurd Retry-After cannot overflow. */
    public static long plusSaturated(long nowMillis, Duration d) {
        if (d.isNegative()) {
            return nowMillis;
        }
        try {
            return Math.addExact(nowMillis, d.toMillis());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The reason shown for a key that gets a new limit ending at {@code until}: the old reason stays while the
     * key is disabled or an existing longer limit still decides when it frees up.
     */
    private static String reason(Account account, long until, String newReason) {
        boolean oldDecides = account.disabled() || account.limitedUntil() > until;
        return oldDecides && account.limitReason() != null ? account.limitReason() : newReason;
    }

    /**
     * The account after recovery: +10 for each full cooldown period since the later of its last penalty and
     * its last recovery, at most 100. The periods used are recorded in {@code lastRecoveryAt}, so calling this
     * again in the same period changes nothing.
     */
    public Account recover(Account account, int cooldownMinutes) {
        if (account.healthScore() >= Account.MAX_HEALTH || cooldownMinutes <= 0) {
            return account;
        }
        long now = clock.millis();
        long anchor = Math.max(lastPenalty(account), account.lastRecoveryAt());
        long period = Duration.ofMinutes(cooldownMinutes).toMillis();
        long periods = (now - anchor) / period;
        if (anchor <= 0 || periods <= 0) {
            return account;
        }
        long gain = Math.min((long) Account.MAX_HEALTH, periods * RECOVERY_STEP);
        return account.toBuilder()
                .healthScore(clamp(account.healthScore() + (int) gain))
                .lastRecoveryAt(anchor + periods * period)
                .build();
    }

    /** Recovery applied to every key now, whatever {@code autoRefreshHealth} says ({@code refresh-health}). */
    public AccountsState recoverAll(AccountsState state) {
        List<Account> accounts = new ArrayList<>(state.accounts().size());
        boolean changed = false;
        for (Account a : state.accounts()) {
            Account r = recover(a, state.healthRefreshCooldownMinutes());
            changed |= r != a;
            accounts.add(r);
        }
        return changed ? state.withAccounts(accounts) : state;
    }

    /** Recovery as it happens by itself: only when {@code autoRefreshHealth} is on. */
    public AccountsState autoRecover(AccountsState state) {
        return state.autoRefreshHealth() ? recoverAll(state) : state;
    }

    /** The state of a key now. */
    public KeyStatus status(Account account) {
        if (account.disabled()) {
            return KeyStatus.DISABLED;
        }
        if (account.isLimited(clock.millis())) {
            return KeyStatus.LIMITED;
        }
        if (account.healthScore() < MIN_ELIGIBLE_HEALTH) {
            return KeyStatus.LOW_HEALTH;
        }
        return KeyStatus.ACTIVE;
    }

    /** The account with its limits cleared and re-enabled ({@code clear-limits}). */
    public static Account clearLimits(Account account) {
        return account.toBuilder()
                .rateLimitResetTime(0)
                .billingLimitResetTime(0)
                .consecutiveBillingLimitHits(0)
                .disabled(false)
                .limitReason(null)
                .build();
    }

    /**
     * When the key was last penalised: our field when recorded, else (a seed file) the latest of its limit
     * resets and its last use.
     */
    static long lastPenalty(Account account) {
        if (account.lastPenaltyAt() > 0) {
            return account.lastPenaltyAt();
        }
        return Math.max(account.lastUsed(), Math.max(account.rateLimitResetTime(), account.billingLimitResetTime()));
    }

    private static SortedMap<String, Long> countToday(SortedMap<String, Long> daily, Instant now) {
        return addToday(daily, now, 1L, Long::sum);
    }

    private static SortedMap<String, TokenUsage> tokensToday(SortedMap<String, TokenUsage> daily, TokenUsage used,
            Instant now) {
        return addToday(daily, now, used, TokenUsage::plus);
    }

    /**
     * {@code times} with {@code millis} added at the end, keeping the last {@link Account#MAX_RESPONSE_TIMES}: an
     * immutable list made in one pass (every success makes one, so it is not built through copies).
     */
    static List<Long> withTime(List<Long> times, long millis) {
        return withTimes(times, new long[] {millis}, 1);
    }

    /** {@code times} with the first {@code count} of {@code added} added at the end, keeping the last {@link Account#MAX_RESPONSE_TIMES}. */
    static List<Long> withTimes(List<Long> times, long[] added, int count) {
        int n = times.size() + count;
        int drop = Math.max(0, n - Account.MAX_RESPONSE_TIMES);
        Long[] kept = new Long[n - drop];
        for (int i = drop; i < n; i++) {
            kept[i - drop] = i < times.size() ? times.get(i) : Long.valueOf(added[i - times.size()]);
        }
        return List.of(kept);
    }

    /** {@code daily} with {@code value} merged into today's (UTC) entry, keeping the last {@link #DAILY_DAYS_KEPT} days. */
    static <V> SortedMap<String, V> addToday(SortedMap<String, V> daily, Instant now, V value,
            BinaryOperator<V> merge) {
        Days days = Days.of(now);
        TreeMap<String, V> counts = new TreeMap<>(daily);
        counts.merge(days.today(), value, merge);
        // Usually nothing is old enough to go: then no view of the old days is made.
        if (counts.firstKey().compareTo(days.oldestKept()) < 0) {
            counts.headMap(days.oldestKept()).clear();
        }
        while (counts.size() > DAILY_DAYS_KEPT) {
            counts.pollFirstEntry();
        }
        return Account.handOver(counts);
    }

    /**
     * The keys of a UTC day and of the oldest day kept with it ({@code yyyy-MM-dd}), made once per day instead of
     * on every event or selection (daily counts are kept by these keys).
     */
    public record Days(long epochDay, String today, String oldestKept) {
        private static volatile Days last = new Days(Long.MIN_VALUE, "", "");

        /** The UTC day of {@code now}. */
        public static Days of(Instant now) {
            long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
            Days d = last;
            if (d.epochDay != day) {
                LocalDate today = LocalDate.ofEpochDay(day);
                d = new Days(day, today.toString(), today.minusDays(DAILY_DAYS_KEPT - 1L).toString());
                last = d;
            }
            return d;
        }
    }

    private Instant nextLocalMidnight(Instant now) {
        ZonedDateTime local = now.atZone(clock.getZone());
        return local.toLocalDate().plusDays(1).atStartOfDay(clock.getZone()).toInstant();
    }

    private static int clamp(int health) {
        return Math.max(0, Math.min(Account.MAX_HEALTH, health));
    }
}
