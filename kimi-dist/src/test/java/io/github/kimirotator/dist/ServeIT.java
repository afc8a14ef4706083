package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} through the launcher: banner, serve.json, token, a proxied request, config output, SIGTERM. */
class ServeIT {
    static final String KEY_A = "sk-kimi-SERVESERVESERVESERVE0000aaaa";
    static final String KEY_B = "sk-kimi-SERVESERVESERVESERVE0000bbbb";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    PongUpstream upstream;
    Process serve;

    @AfterEach
    void stop() throws Exception {
        if (serve != null && serve.isAlive()) {
            serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void servesRotatesAndStopsCleanly() throws Exception {
        upstream = new PongUpstream();
        Launcher cli = new Launcher(home);
        cli.run("add-key", KEY_A, "A");
        cli.run("add-key", KEY_B, "B");
        cli.run("set-strategy", "round-robin");

        serve = cli.start(Launcher.bin("kimi-rotator"), "serve", "--port", "0",
                "--upstream", upstream.url());
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String banner = out.readLine();
        assertThat(banner).startsWith("Listening on http://127.0.0.1:");
        String url = banner.substring("Listening on ".length(), banner.indexOf(' ', "Listening on ".length()));
        assertThat(out.readLine()).isEqualTo("Strategy: round-robin; usable keys: 2 of 2");

        Path ownDir = home.resolve(".config/opencode/kimi-rotator");
        JsonNode serveJson = JSON.readTree(ownDir.resolve("serve.json").toFile());
        assertThat(serveJson.get("url").asText()).isEqualTo(url);
        assertThat(serveJson.get("pid").asLong()).isEqualTo(serve.pid());
        String token = Files.readString(ownDir.resolve("token")).strip();
        assertThat(token).matches("[A-Za-z0-9_-]{40,}");
        assertThat(Files.getPosixFilePermissions(ownDir.resolve("token"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/messages"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"messages\":[]}"));
        assertThat(http.send(request.copy().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> ok = http.send(request.copy().header("x-api-key", token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("pong");
        }
        assertThat(upstream.keysSeen()).containsExactlyInAnyOrder(KEY_A, KEY_B);

        Launcher.Result claude = cli.run("config", "claude-code");
        assertThat(claude.exitCode()).isZero();
        assertThat(claude.out()).contains("export ANTHROPIC_BASE_URL=" + url).contains("export ANTHROPIC_API_KEY=" + token);
        Launcher.Result opencode = cli.run("config", "opencode");
        assertThat(opencode.out()).contains("\"baseURL\" : \"" + url + "/v1\"").contains(token);

        serve.destroy();
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ownDir.resolve("serve.json")).doesNotExist();
        Launcher.Result none = cli.run("config", "claude-code");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).startsWith("error: no proxy is running for ").endsWith("; start one with 'kimi-rotator start' or pass --url\n");

        JsonNode file = JSON.readTree(cli.fileBytes());
        long total = 0;
        for (JsonNode account : file.get("accounts")) {
            total += account.get("totalRequests").asLong();
        }
        assertThat(total).as("statistics flushed on shutdown").isEqualTo(2);
    }

    @Test
    void oneProxyPerFileASecondServeIsRefusedAndAGoneOnesFileIsTakenOver() throws Exception {
        Launcher cli = new Launcher(home);
        cli.run("add-key", KEY_A, "A");
        Path serveJson = home.resolve(".config/opencode/kimi-rotator/serve.json");

        serve = cli.start(Launcher.bin("kimi-rotator"), "serve", "--port", "0");
        String url = listeningUrl(serve);
        Launcher.Result second = cli.run("serve", "--port", "0");
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.err()).isEqualTo("error: a proxy already serves this file at " + url + " (pid " + serve.pid() + ")\n");
        assertThat(JSON.readTree(serveJson.toFile()).get("pid").asLong()).as("the refused serve left serve.json alone")
                .isEqualTo(serve.pid());
        assertThat(serve.isAlive()).isTrue();

        // A proxy that is killed outright cannot remove its serve.json; the next serve takes it over.
        serve.destroyForcibly();
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(serveJson).exists();
        serve = cli.start(Launcher.bin("kimi-rotator"), "serve", "--port", "0");
        String newUrl = listeningUrl(serve);
        JsonNode taken = JSON.readTree(serveJson.toFile());
        assertThat(taken.get("pid").asLong()).isEqualTo(serve.pid());
        assertThat(taken.get("url").asText()).isEqualTo(newUrl);

        serve.destroy();
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(serveJson).doesNotExist();
    }

    /** Reads the banner of a starting {@code serve} and returns the URL it listens on. */
    static String listeningUrl(Process serve) throws java.io.IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String banner = out.readLine();
        assertThat(banner).startsWith("Listening on http://127.0.0.1:");
        return banner.substring("Listening on ".length(), banner.indexOf(' ', "Listening on ".length()));
    }
}
