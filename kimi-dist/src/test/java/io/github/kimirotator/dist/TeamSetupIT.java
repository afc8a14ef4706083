package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The README's team setup through the launcher: two "machines" (homes with their own accounts files) serve the
 * same keys with {@code --state} on one Redis; a 429 seen by one is avoided by the other, and {@code list-keys},
 * {@code stats} and {@code clear-limits} with {@code --state} show and change the shared view.
 */
class TeamSetupIT {
    static final String IMAGE = "local/kimi-redis:7";
    static final String KEY_A = "sk-kimi-TEAMTEAMTEAMTEAMTEAM0000aaaa";
    static final String KEY_B = "sk-kimi-TEAMTEAMTEAMTEAMTEAM0000bbbb";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    HttpServer upstream;
    GenericContainer<?> redis;
    final List<Process> serves = new ArrayList<>();
    final List<String> keysSeen = new CopyOnWriteArrayList<>();
    final List<PongUpstream> pongs = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : serves) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (upstream != null) {
            upstream.stop(0);
        }
        pongs.forEach(PongUpstream::close);
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    void twoMachinesShareTheKeysStateThroughRedis() throws Exception {
        String url = startRedis();
        AtomicBoolean limitA = new AtomicBoolean(true);
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/v1/messages", exchange -> {
            String key = exchange.getRequestHeaders().getFirst("x-api-key");
            keysSeen.add(key);
            exchange.getRequestBody().readAllBytes();
            boolean limited = KEY_A.equals(key) && limitA.getAndSet(false);
            byte[] body = (limited ? "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}"
                    : "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"pong\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            if (limited) {
                exchange.getResponseHeaders().add("retry-after", "600");
            }
            exchange.sendResponseHeaders(limited ? 429 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        String upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();

        List<Launcher> machines = new ArrayList<>();
        List<String> proxies = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Launcher m = new Launcher(Files.createDirectories(dir.resolve("machine" + i)))
                    .env("KIMI_ROTATOR_STATE_SECRET", "team-secret");
            m.run("add-key", KEY_A, "A");
            m.run("add-key", KEY_B, "B");
            machines.add(m);
        }
        machines.get(1).env("KIMI_ROTATOR_STATE", url);
        for (int i = 0; i < 2; i++) {
            List<String> args = new ArrayList<>(List.of("serve", "--no-auth", "--port", "0", "--upstream", upstreamUrl));
            if (i == 0) {
                args.addAll(List.of("--state", url, "--state-prefix", "team:"));
            } else {
                args.addAll(List.of("--state-prefix", "team:"));
            }
            Process serve = machines.get(i).start(Launcher.bin("kimi-rotator"), args.toArray(String[]::new));
            serves.add(serve);
            BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            assertThat(banner).startsWith("Listening on http://127.0.0.1:");
            proxies.add(banner.substring("Listening on ".length(), banner.indexOf(' ', "Listening on ".length())));
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("Shared key state:"));
            assertThat(line).isEqualTo("Shared key state: " + url + " (prefix team:), connected");
        }

        assertThat(post(proxies.get(0))).isEqualTo(200);
        assertThat(keysSeen).containsExactly(KEY_A, KEY_B);
        Launcher other = machines.get(1);
        // The other machine's own file knows nothing of the 429; the shared view does.
        assertThat(eventually(() -> keyState(other, 0).equals("limited"))).isTrue();
        assertThat(post(proxies.get(1))).isEqualTo(200);
        assertThat(keysSeen).containsExactly(KEY_A, KEY_B, KEY_B);

        // Three requests went upstream through two proxies: the shared statistics count all of them.
        assertThat(eventually(() -> sharedTotal(other) == 3)).isTrue();

        Launcher.Result clear = other.run("clear-limits", "all", "--state-prefix", "team:");
        assertThat(clear.exitCode()).as(clear.err()).isZero();
        Launcher first = machines.get(0).env("KIMI_ROTATOR_STATE", url);
        assertThat(keyState(first, 0)).isEqualTo("active");
        HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(proxies.get(0) + "/_kimi/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(status.body()).path("state").path("backend").asText()).isEqualTo("redis");
        assertThat(eventually(() -> proxyKeyState(proxies.get(0), 0).equals("active"))).isTrue();
    }

    /**
     * {@code rediss://}: a Redis that speaks TLS only, with a certificate from a throwaway authority that
     * {@code KIMI_ROTATOR_REDIS_CA} trusts, and a password (from {@code KIMI_ROTATOR_REDIS_PASSWORD}, or in the
     * URL). Trusting another authority gives a one-line error naming the TLS failure, and a proxy that serves
     * from its local state, not a hang.
     */
    @Test
    void tlsWithTheTeamsAuthorityAndAPassword() throws Exception {
        TestCertificates tls = TestCertificates.create(dir.resolve("tls"));
        TestCertificates stranger = TestCertificates.create(dir.resolve("other-ca"));
        String password = "tls-redis-password-1";
        int port = startRedis(tls, password);
        String url = "rediss://127.0.0.1:" + port;
        PongUpstream pong = new PongUpstream();
        pongs.add(pong);
        String upstreamUrl = pong.url();

        Launcher machine = new Launcher(Files.createDirectories(dir.resolve("tls-machine")))
                .env("KIMI_ROTATOR_REDIS_CA", tls.ca().toString())
                .env("KIMI_ROTATOR_REDIS_PASSWORD", password);
        machine.run("add-key", KEY_A, "A");
        String proxy = serve(machine, "Shared key state: " + url + ", connected", "--upstream", upstreamUrl,
                "--state", url);
        assertThat(post(proxy)).isEqualTo(200);
        assertThat(eventually(() -> proxyTotal(proxy) == 1)).isTrue();

        // Another machine: the password in the URL, the right authority: the shared view.
        Launcher other = new Launcher(Files.createDirectories(dir.resolve("tls-other")))
                .env("KIMI_ROTATOR_REDIS_CA", tls.ca().toString());
        other.run("add-key", KEY_A, "A");
        String withPassword = "rediss://:" + password + "@127.0.0.1:" + port;
        assertThat(eventually(() -> {
            Launcher.Result r = runQuietly(other, "--json", "stats", "--state", withPassword);
            return r.exitCode() == 0 && readTree(r.out()).path("aggregate").path("totalRequests").asLong() == 1;
        })).isTrue();

        // The wrong authority: one line naming the TLS failure, exit 1, no password shown.
        other.env("KIMI_ROTATOR_REDIS_CA", stranger.ca().toString());
        Launcher.Result refused = other.run("list-keys", "--state", withPassword);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err().strip()).doesNotContain("\n").doesNotContain(password)
                .startsWith("error: shared state on redis 127.0.0.1:" + port + " unreachable: TLS handshake failed");
        // ...and serve starts anyway, from its local state, and says so.
        String stranded = serve(other, "Shared key state: rediss://***@127.0.0.1:" + port
                + ", not reachable yet: serving from local state", "--upstream", upstreamUrl, "--state", withPassword);
        HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stranded + "/_kimi/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(status.body()).path("state").path("connected").asBoolean(true)).isFalse();
        assertThat(post(stranded)).isEqualTo(200);
    }

    /** Starts {@code serve} on {@code machine}; its URL, once its banner's shared-state line is {@code expected}. */
    private String serve(Launcher machine, String expected, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", "--no-auth", "--port", "0"));
        args.addAll(List.of(more));
        Process serve = machine.start(Launcher.bin("kimi-rotator"), args.toArray(String[]::new));
        serves.add(serve);
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String banner = out.readLine();
        assertThat(banner).startsWith("Listening on http://127.0.0.1:");
        String line;
        do {
            line = out.readLine();
        } while (line != null && !line.startsWith("Shared key state:"));
        assertThat(line).isEqualTo(expected);
        return banner.substring("Listening on ".length(), banner.indexOf(' ', "Listening on ".length()));
    }

    private static long proxyTotal(String proxy) {
        try {
            HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(proxy + "/_kimi/status")).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(status.body()).path("keys").get(0).path("totalRequests").asLong();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Launcher.Result runQuietly(Launcher machine, String... args) {
        try {
            return machine.run(args);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long sharedTotal(Launcher machine) {
        try {
            Launcher.Result stats = machine.run("--json", "stats", "--state-prefix", "team:");
            assertThat(stats.exitCode()).as(stats.err()).isZero();
            assertThat(stats.out()).doesNotContain(KEY_A).doesNotContain(KEY_B);
            return JSON.readTree(stats.out()).path("aggregate").path("totalRequests").asLong();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String proxyKeyState(String proxy, int index) {
        try {
            HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(proxy + "/_kimi/status")).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(status.body()).path("keys").get(index).path("state").asText();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String keyState(Launcher machine, int index) {
        try {
            Launcher.Result list = machine.run("--json", "list-keys", "--state-prefix", "team:");
            assertThat(list.exitCode()).as(list.err()).isZero();
            return JSON.readTree(list.out()).path("keys").get(index).path("state").asText();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int post(String proxy) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(proxy + "/v1/messages"))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"messages\":[]}"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    private String startRedis() throws Exception {
        int port = startRedis(null, null);
        return "redis://127.0.0.1:" + port;
    }

    /**
     * A Redis in a container on a free port; with {@code tls}, TLS only (its certificate and key copied in) and
     * {@code password} required.
     */
    private int startRedis(TestCertificates tls, String password) throws Exception {
        LocalImages.require(IMAGE, System.getProperty("kimi.redisImageScript"), "team setup test");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--save", ""));
        redis = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withImagePullPolicy(name -> false)
                .withNetworkMode("host")
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1)
                        .withStartupTimeout(Duration.ofSeconds(30)));
        if (tls == null) {
            command.addAll(List.of("--port", Integer.toString(port)));
        } else {
            redis.withCopyFileToContainer(MountableFile.forHostPath(tls.cert(), 0644), "/tls/server.pem")
                    .withCopyFileToContainer(MountableFile.forHostPath(tls.key(), 0644), "/tls/server.key")
                    .withCopyFileToContainer(MountableFile.forHostPath(tls.ca(), 0644), "/tls/ca.pem");
            command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file",
                    "/tls/server.pem", "--tls-key-file", "/tls/server.key", "--tls-ca-cert-file", "/tls/ca.pem",
                    "--tls-auth-clients", "no", "--requirepass", password));
        }
        redis.withCommand(command.toArray(String[]::new));
        redis.start();
        return port;
    }
}
