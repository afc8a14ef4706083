package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The distribution in a container that has only a JRE and a fresh home: key management and a request through
 * the containerised proxy to a fake upstream in this JVM. Host networking keeps all traffic on 127.0.0.1.
 */
class ContainerIT {
    static final String IMAGE = "local/kimi-jre:17";
    static final String KEY = "sk-kimi-CONTAINERCONTAINERCONTAINER9999";

    HttpServer upstream;
    final List<String> keysSeen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void engineAndImage() throws Exception {
        LocalImages.require(IMAGE, System.getProperty("kimi.imageScript"), "container tests");
    }

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void distRunsInAContainerWithOnlyAJre() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            keysSeen.add(exchange.getRequestHeaders().getFirst("x-api-key"));
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"pong\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        String upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();
        Path dist = Launcher.DIST.toAbsolutePath();

        try (GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withImagePullPolicy(name -> false)
                .withNetworkMode("host")
                .withFileSystemBind(dist.toString(), "/opt/kimi-rotator", BindMode.READ_ONLY)
                .withCreateContainerCmdModifier(cmd -> cmd.withUser("1000:1000"))
                .withCommand("sh", "-c", "/opt/kimi-rotator/bin/kimi-rotator add-key " + KEY + " Boxed"
                        + " && /opt/kimi-rotator/bin/kimi-rotator list-keys"
                        + " && exec /opt/kimi-rotator/bin/kimi-rotator serve --no-auth --port 0"
                        + " --upstream " + upstreamUrl)
                .waitingFor(Wait.forLogMessage(".*Listening on http://127\\.0\\.0\\.1:\\d+.*", 1)
                        .withStartupTimeout(Duration.ofSeconds(60)))) {
            container.start();
            String logs = container.getLogs();
            Matcher listening = Pattern.compile("Listening on (http://127\\.0\\.0\\.1:\\d+)").matcher(logs);
            assertThat(listening.find()).as(logs).isTrue();
            assertThat(logs).contains("Added key [0] Boxed (sk-kimi-...9999)").contains("Kimi API Keys (1 total")
                    .doesNotContain(KEY);

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(listening.group(1) + "/v1/messages"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"kimi-for-coding\",\"max_tokens\":5,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}"))
                    .timeout(Duration.ofSeconds(30))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("pong");
            assertThat(keysSeen).containsExactly(KEY);
            container.stop();
        }
    }
}
