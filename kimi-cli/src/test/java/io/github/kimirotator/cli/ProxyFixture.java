package io.github.kimirotator.cli;

import com.sun.net.httpserver.HttpServer;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.proxy.ProxyConfig;
import io.github.kimirotator.proxy.ProxyServer;
import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real proxy serving the accounts file of a {@link CliRunner}'s home, as {@code serve} runs it (token,
 * serve.json), in front of a small real upstream on 127.0.0.1 that answers by key: 429 with
 * {@code Retry-After} for keys told to, else a message reporting known token usage. Real time.
 */
final class ProxyFixture implements AutoCloseable {
    static final String KEY_A = "sk-kimi-aaaaaaaaaaaaaaaaaaaaaaaa1111";
    static final String KEY_B = "sk-kimi-bbbbbbbbbbbbbbbbbbbbbbbb2222";
    static final String KEY_C = "sk-kimi-cccccccccccccccccccccccc3333";
    static final String MESSAGE = """
            {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"pong"}],\
            "usage":{"input_tokens":1200,"output_tokens":34}}""";

    final Path ownDir;
    final String token;
    final AccountsFile store;
    private final HttpServer upstream;
    private final Map<String, Integer> limitFor = new ConcurrentHashMap<>();
    private final ProxyServer proxy;
    private final ServeFile serveFile;
    private final HttpClient http = HttpClient.newHttpClient();

    ProxyFixture(CliRunner cli, String... keys) throws IOException {
        ownDir = java.nio.file.Files.createDirectories(cli.accountsFile().getParent().resolve("kimi-rotator"));
        token = LocalToken.loadOrCreate(ownDir);
        store = new AccountsFile(cli.accountsFile(), Clock.systemUTC());
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            accounts.add(Account.newKey(keys[i], "Account " + (i + 1), System.currentTimeMillis()));
        }
        store.update(s -> AccountsState.empty().withAccounts(accounts));
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String key = exchange.getRequestHeaders().getFirst("x-api-key");
            Integer retryAfter = key == null ? null : limitFor.remove(key);
            byte[] body;
            exchange.getResponseHeaders().add("content-type", "application/json");
            if (retryAfter != null) {
                exchange.getResponseHeaders().add("retry-after", retryAfter.toString());
                body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(429, body.length);
            } else {
                body = MESSAGE.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        HealthPolicy policy = new HealthPolicy(Clock.systemUTC());
        proxy = new ProxyServer(ProxyConfig.defaults(token).withPort(0).withUpstream(
                URI.create("http://127.0.0.1:" + upstream.getAddress().getPort() + "/coding")), store,
                new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy), policy);
        proxy.start();
        serveFile = ServeFile.write(ownDir, new ServeFile.Info(proxy.uri(), ProcessHandle.current().pid(), Instant.now()));
    }

    URI uri(String path) {
        return proxy.uri().resolve(path);
    }

    /** The next request with {@code key} gets a 429 with {@code Retry-After: seconds}. */
    void limitNext(String key, int seconds) {
        limitFor.put(key, seconds);
    }

    /** {@code POST /v1/messages} through the proxy; returns the status. */
    int message() throws IOException, InterruptedException {
        return send("/v1/messages", "{\"model\":\"kimi-for-coding\",\"max_tokens\":8,\"messages\":[]}").statusCode();
    }

    HttpResponse<String> send(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).header("x-api-key", token)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).header("x-api-key", token)
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        serveFile.close();
        proxy.close();
        upstream.stop(0);
    }
}
