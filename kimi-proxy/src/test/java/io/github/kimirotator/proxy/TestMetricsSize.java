package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Metrics a Prometheus user can keep: counters per key, one small latency histogram for all keys. */
class TestMetricsSize {

    @Test
    void hundredKeysStayWithinAFewLinesPerKey() {
        HealthPolicy policy = new HealthPolicy(Clock.systemUTC());
        KeyPool pool = new KeyPool(new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy), policy, 0,
                () -> { }, () -> { });
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            accounts.add(Account.newKey(String.format("sk-kimi-%032d", i), "Key " + i, 1L));
        }
        pool.reloaded(AccountsState.empty().withAccounts(accounts));
        ProxyMetrics metrics = new ProxyMetrics(pool, policy, () -> 0, new History(policy.clock()));
        for (Account a : accounts) {
            String id = ApiKeys.id(a.key());
            metrics.attempt(id, "success");
            metrics.attempt(id, "rate_limited");
            metrics.latency(Duration.ofMillis(50));
            metrics.latency(Duration.ofSeconds(40));
            metrics.answered(200);
        }

        String text = metrics.scrape();
        long lines = text.lines().count();
        System.out.println("metrics for 100 keys, each with successes and rate limits: " + lines + " lines");

        assertThat(text.lines().filter(l -> l.startsWith("kimi_requests_total{"))).hasSize(200);
        assertThat(lines).isLessThanOrEqualTo(250);
        assertThat(text).doesNotContainPattern("kimi_upstream_latency\\S*\\{key=");
        List<String> buckets = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^kimi_upstream_latency_seconds_bucket\\{le=\"([^\"]+)\"} (\\S+)").matcher(text);
        while (m.find()) {
            buckets.add(m.group(1) + "=" + m.group(2));
        }
        assertThat(buckets).containsExactly("0.1=100", "0.25=100", "0.5=100", "1.0=100", "2.5=100", "5.0=100",
                "10.0=100", "30.0=100", "60.0=200", "120.0=200", "300.0=200", "+Inf=200");
        assertThat(text).containsPattern("(?m)^kimi_upstream_latency_seconds_count 200");
    }
}
