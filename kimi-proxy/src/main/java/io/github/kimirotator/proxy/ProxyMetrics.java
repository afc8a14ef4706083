package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.TokenUsage;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The proxy's Prometheus metrics. Labels carry key ids, never keys. Counters are per key; the latency is one
 * histogram over all keys with a handful of buckets for LLM answers (0.1 s to 5 min), so the text stays small
 * with many keys (a per-key average is in {@code /_kimi/status}).
 */
final class ProxyMetrics {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String CLIENT_ERROR = "client_error";
    /** Upper bounds of the latency buckets: time to the response headers, from a cached answer to a long stream. */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter failovers;
    private final Counter reuseRetries;
    private final Timer latency;
    // Looking a meter up in the registry builds its id each time; these maps make a hit one hash lookup.
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> answers = new ConcurrentHashMap<>();
    private final Map<String, Counter> tokens = new ConcurrentHashMap<>();
    private final Map<String, Counter> tokenKinds = new ConcurrentHashMap<>();
    private final History history;

    ProxyMetrics(KeyPool pool, HealthPolicy policy, IntSupplier waiting, History history) {
        this.history = history;
        failovers = Counter.builder("kimi.failovers")
                .description("Requests sent again with another key")
                .register(registry);
        reuseRetries = Counter.builder("kimi.upstream.reuse.retries")
                .description("Requests sent again on a new upstream connection after a reused one was found closed")
                .register(registry);
        latency = Timer.builder("kimi.upstream.latency")
                .description("Time until the upstream's response headers, all keys")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        Gauge.builder("kimi.keys.available", () -> pool.state().accounts().stream()
                        .filter(a -> policy.status(a) == KeyStatus.ACTIVE).count())
                .description("Keys that are eligible now (not limited, not disabled, health at least 30)")
                .register(registry);
        Gauge.builder("kimi.keys", () -> pool.state().accounts().size())
                .description("Keys in the accounts file")
                .register(registry);
        Gauge.builder("kimi.state.connected", () -> pool.sharedStatus().connected() ? 1 : 0)
                .description("Whether the shared key state can be reached (always 1 for the accounts file)")
                .tag("backend", pool.sharedStatus().backend())
                .register(registry);
        Gauge.builder("kimi.requests.waiting", waiting::getAsInt)
                .description("Requests waiting for a key to free up")
                .register(registry);
        Gauge.builder("kimi.requests.in.flight", () -> pool.state().accounts().stream()
                        .map(Account::key).mapToInt(k -> pool.inFlight(pool.idOf(k))).sum())
                .description("Upstream requests under way")
                .register(registry);
    }

    /** One upstream attempt with the key {@code keyId} ended with {@code outcome}. */
    void attempt(String keyId, String outcome) {
        history.attempt(keyId);
        attempts.computeIfAbsent(keyId + ' ' + outcome, k -> Counter.builder("kimi.requests")
                .description("Upstream attempts by key id and outcome")
                .tag("key", keyId)
                .tag("outcome", outcome)
                .register(registry))
                .increment();
    }

    /** The upstream took {@code elapsed} to start answering. */
    void latency(Duration elapsed) {
        history.latency(elapsed);
        latency.record(elapsed);
    }

    void failover() {
        failovers.increment();
        history.failover();
    }

    /**
     * An answer with the key {@code keyId} reported {@code used} tokens: one series per key (input plus output)
     * and one per kind for all keys, so the text grows by one line per key.
     */
    void tokens(String keyId, TokenUsage used) {
        history.tokens(keyId, used);
        if (used.total() > 0) {
            tokens.computeIfAbsent(keyId, k -> Counter.builder("kimi.tokens")
                    .description("Input plus output tokens the upstream reported, by key id")
                    .tag("key", keyId)
                    .register(registry))
                    .increment(used.total());
        }
        count("input", used.input());
        count("output", used.output());
        count("cache_read", used.cacheRead());
        count("cache_creation", used.cacheCreation());
    }

    private void count(String kind, long n) {
        if (n > 0) {
            tokenKinds.computeIfAbsent(kind, k -> Counter.builder("kimi.tokens.by.kind")
                    .description("Tokens the upstream reported, all keys, by kind (input, output, cache_read, cache_creation)")
                    .tag("kind", kind)
                    .register(registry))
                    .increment(n);
        }
    }

    /** A request sent again with the same key on a new connection, after a reused one was found closed. */
    void reuseRetry() {
        reuseRetries.increment();
    }

    /** The proxy answered a client with {@code status}. */
    void answered(int status) {
        answers.computeIfAbsent(status, s -> Counter.builder("kimi.proxy.responses")
                .description("Answers to clients by HTTP status")
                .tag("status", Integer.toString(status))
                .register(registry))
                .increment();
    }

    String scrape() {
        return registry.scrape();
    }

    /** The outcome label of an event. */
    static String outcome(HealthEvent event) {
        if (event instanceof HealthEvent.Success) {
            return "success";
        }
        if (event instanceof HealthEvent.RateLimited) {
            return "rate_limited";
        }
        if (event instanceof HealthEvent.BillingLimit) {
            return "billing_limit";
        }
        if (event instanceof HealthEvent.MembershipRefused) {
            return "membership_refused";
        }
        if (event instanceof HealthEvent.KeyRejected) {
            return "key_rejected";
        }
        return "failure";
    }
}
