package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.RedisKeyState;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several proxies ({@link KeyStateBackend}s) on one shared state, driven as the proxy drives them: each keeps
 * its own accounts state, applies its events to it and tells its backend. Beside them, the model: the same
 * events applied one by one to one state with {@link HealthPolicy#applyAt}. After each step every proxy's
 * view of every key must equal the model's.
 */
final class SharedStateModel {
    private static final AtomicLong RUNS = new AtomicLong();

    final MutableClock clock;
    final HealthPolicy policy;
    final List<KeyStateBackend> proxies;
    final List<AccountsState> locals = new ArrayList<>();
    AccountsState expected;
    final List<String> keys;

    SharedStateModel(MutableClock clock, List<KeyStateBackend> proxies, int healthA, int healthB) {
        this.clock = clock;
        this.policy = new HealthPolicy(clock);
        this.proxies = proxies;
        long run = RUNS.incrementAndGet();
        // Fresh keys for each run, so runs on one Redis never see each other's state.
        this.keys = List.of(String.format("sk-kimi-run%013dA%010d", run, System.nanoTime() % 10_000_000_000L),
                String.format("sk-kimi-run%013dB%010d", run, System.nanoTime() % 10_000_000_000L));
        long added = clock.millis() - Duration.ofDays(2).toMillis();
        AccountsState initial = AccountsState.empty().withAccounts(List.of(
                Account.newKey(keys.get(0), "A", added).toBuilder().healthScore(healthA).lastPenaltyAt(added).build(),
                Account.newKey(keys.get(1), "B", added).toBuilder().healthScore(healthB).build()));
        for (int i = 0; i < proxies.size(); i++) {
            locals.add(initial);
        }
        expected = initial;
    }

    /** {@code event} for key {@code key} seen by proxy {@code proxy}, once Redis has it. */
    void event(int proxy, int key, HealthEvent event) {
        int p = proxy % proxies.size();
        String k = keys.get(key);
        var at = clock.instant();
        AccountsState local = locals.get(p);
        proxies.get(p).record(local, k, event, at);
        locals.set(p, local.withAccount(local.indexOfKey(k), a -> HealthPolicy.applyAt(a, event, at, clock.getZone(),
                local.autoRefreshHealth(), local.healthRefreshCooldownMinutes())));
        expected = expected.withAccount(key, a -> HealthPolicy.applyAt(a, event, at, clock.getZone(),
                expected.autoRefreshHealth(), expected.healthRefreshCooldownMinutes()));
        waitWritten(proxies.get(p));
    }

    /** {@code clear-limits} for key {@code key} through proxy {@code proxy}'s backend. */
    void clearLimits(int proxy, int key) {
        proxies.get(proxy % proxies.size()).clearLimits(List.of(keys.get(key)));
        expected = expected.withAccount(key, HealthPolicy::clearLimits);
        for (int i = 0; i < locals.size(); i++) {
            AccountsState local = locals.get(i);
            locals.set(i, local.withAccount(key, HealthPolicy::clearLimits));
        }
    }

    void advance(Duration d) {
        clock.advance(d);
    }

    /** Every proxy's view of both keys equals the model's, field by field. */
    void check() {
        AccountsState model = policy.autoRecover(expected);
        for (int p = 0; p < proxies.size(); p++) {
            proxies.get(p).sync(locals.get(p));
            // The proxy applies recovery due to its own state as well (KeyPool), and so does this view.
            AccountsState view = policy.autoRecover(proxies.get(p).overlay(locals.get(p)));
            for (int k = 0; k < keys.size(); k++) {
                assertThat(shared(view.accounts().get(k))).as("proxy %d, key %d", p, k)
                        .isEqualTo(shared(model.accounts().get(k)));
            }
        }
    }

    private static void waitWritten(KeyStateBackend backend) {
        if (backend instanceof RedisKeyState redis) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!redis.written() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(redis.written()).as("event written to Redis").isTrue();
        }
    }

    /** What is shared of a key; times beyond what Redis stores exactly compare as that limit. */
    record Shared(int health, long rateLimitUntil, long billingLimitUntil, int failures, int billingHits, long total,
            long successful, long lastUsed, boolean disabled, String reason, long lastPenalty, long lastRecovery,
            SortedMap<String, Long> daily, SortedMap<String, io.github.kimirotator.api.TokenUsage> tokens) {
    }

    static Shared shared(Account a) {
        return new Shared(a.healthScore(), Math.min(a.rateLimitResetTime(), RedisKeyState.MAX_TIME),
                Math.min(a.billingLimitResetTime(), RedisKeyState.MAX_TIME), a.consecutiveFailures(),
                a.consecutiveBillingLimitHits(), a.totalRequests(), a.successfulRequests(), a.lastUsed(), a.disabled(),
                a.limitReason(), a.lastPenaltyAt(), a.lastRecoveryAt(), a.dailyRequests(), a.dailyTokens());
    }

    @Override
    public String toString() {
        return "SharedStateModel" + Map.of("proxies", proxies.size());
    }
}
