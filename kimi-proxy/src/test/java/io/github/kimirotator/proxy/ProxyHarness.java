package io.github.kimirotator.proxy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A fake upstream, an accounts file holding some keys, and a {@link ProxyServer} in front, all in-process on
 * 127.0.0.1 with free ports; plus a real HTTP client pointed at the proxy. The proxy's time is a test clock;
 * the file's lock judges staleness by real time, as it must across processes.
 */
final class ProxyHarness implements AutoCloseable {
    static final String TOKEN = "local-test-token-0123456789abcdef";
    static final String KEY_A = "sk-kimi-aaaaaaaaaaaaaaaaaaaaaaaa";
    static final String KEY_B = "sk-kimi-bbbbbbbbbbbbbbbbbbbbbbbb";
    static final String KEY_C = "sk-kimi-cccccccccccccccccccccccc";
    static final Instant START = Instant.parse("2026-03-10T10:00:00Z");
    static final String MESSAGE_REQUEST = """
            {"model":"kimi-for-coding","max_tokens":64,"messages":[{"role":"user","content":"ping"}]}""";
    static final Duration BOUND = Duration.ofSeconds(20);

    final MutableClock clock = new MutableClock(START);
    final HealthPolicy policy = new HealthPolicy(clock);
    final KeySelector selector = new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy);
    final FakeUpstream upstream;
    final AccountsFile store;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND).build();
    private final ProxyConfig config;
    private final Function<HealthPolicy, KeyStateBackend> shared;
    private ProxyServer proxy;

    private ProxyHarness(Path dir, UnaryOperator<ProxyConfig> configure, AccountsState initial) throws Exception {
        this(dir, configure, initial, null);
    }

    private ProxyHarness(Path dir, UnaryOperator<ProxyConfig> configure, AccountsState initial,
            Function<HealthPolicy, KeyStateBackend> shared) throws Exception {
        this.shared = shared;
        upstream = new FakeUpstream();
        store = new AccountsFile(dir.resolve("kimi-accounts.json"), Clock.systemUTC());
        store.update(s -> initial);
        config = configure.apply(ProxyConfig.defaults(TOKEN).withPort(0).withUpstream(upstream.base()));
        proxy = newProxy();
        proxy.start();
    }

    /** A proxy over {@code keys} (in this order), configured by {@code configure}. */
    static ProxyHarness start(Path dir, UnaryOperator<ProxyConfig> configure, String... keys) throws Exception {
        return new ProxyHarness(dir, configure, stateWith(keys));
    }

    /** A proxy over {@code keys} whose key state is shared through the backend {@code shared} makes. */
    static ProxyHarness shared(Path dir, UnaryOperator<ProxyConfig> configure,
            Function<HealthPolicy, KeyStateBackend> shared, String... keys) throws Exception {
        return new ProxyHarness(dir, configure, stateWith(keys), shared);
    }

    /** A proxy over the accounts {@code initial} whose key state is shared through {@code shared}. */
    static ProxyHarness shared(Path dir, UnaryOperator<ProxyConfig> configure,
            Function<HealthPolicy, KeyStateBackend> shared, AccountsState initial) throws Exception {
        return new ProxyHarness(dir, configure, initial, shared);
    }

    static ProxyHarness start(Path dir, String... keys) throws Exception {
        return start(dir, c -> c, keys);
    }

    static AccountsState stateWith(String... keys) {
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            accounts.add(Account.newKey(keys[i], "Account " + (i + 1), START.minus(Duration.ofDays(1)).toEpochMilli()));
        }
        return AccountsState.empty().withAccounts(accounts);
    }

    ProxyServer proxy() {
        return proxy;
    }

    URI uri(String path) {
        return proxy.uri().resolve(path);
    }

    /** Stops the proxy (writing its state) and starts a new one on the same store. */
    void restart() {
        proxy.close();
        proxy = newProxy();
        proxy.start();
    }

    /** The account holding {@code key} as the proxy sees it now. */
    Account account(String key) {
        AccountsState s = proxy.state();
        return s.accounts().get(s.indexOfKey(key));
    }

    /** The account holding {@code key} in the store. */
    Account stored(String key) {
        AccountsState s = store.read();
        return s.accounts().get(s.indexOfKey(key));
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(BOUND).header("x-api-key", TOKEN);
    }

    /** {@code POST /v1/messages} with a small body and the local token. */
    HttpResponse<String> postMessage() throws IOException, InterruptedException {
        return send(request("/v1/messages").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGE_REQUEST)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (bounded) until {@code condition} holds; false when it never did. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() throws Exception {
        proxy.close();
        upstream.close();
    }

    private ProxyServer newProxy() {
        return shared == null ? new ProxyServer(config, store, selector, policy)
                : new ProxyServer(config, store, selector, policy, shared.apply(policy));
    }
}
