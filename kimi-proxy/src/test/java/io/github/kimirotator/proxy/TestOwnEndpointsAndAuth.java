package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestOwnEndpointsAndAuth {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void missingOrWrongTokenIs401AndNothingGoesUpstream() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST);
            List<HttpRequest.Builder> refused = List.of(
                    HttpRequest.newBuilder(h.uri("/v1/messages")).POST(body),
                    HttpRequest.newBuilder(h.uri("/v1/messages")).header("x-api-key", TOKEN + "x").POST(body),
                    HttpRequest.newBuilder(h.uri("/v1/messages")).header("authorization", "Bearer nope").POST(body),
                    HttpRequest.newBuilder(h.uri("/v1/messages")).header("x-api-key", KEY_A).POST(body),
                    HttpRequest.newBuilder(h.uri("/_kimi/status")),
                    HttpRequest.newBuilder(h.uri("/_kimi/metrics")));

            for (HttpRequest.Builder request : refused) {
                HttpResponse<String> r = h.send(request);
                assertThat(r.statusCode()).isEqualTo(401);
                JsonNode error = JSON.readTree(r.body());
                assertThat(error.path("type").asText()).isEqualTo("error");
                assertThat(error.path("error").path("type").asText()).isEqualTo("authentication_error");
            }
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void tokenIsAcceptedAsApiKeyOrBearer() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());

            HttpResponse<String> apiKey = h.postMessage();
            HttpResponse<String> bearer = h.send(HttpRequest.newBuilder(h.uri("/v1/messages"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)));

            assertThat(apiKey.statusCode()).isEqualTo(200);
            assertThat(bearer.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void noAuthOnLoopbackLetsEveryRequestIn() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withToken(null), KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());

            HttpResponse<String> r = h.send(HttpRequest.newBuilder(h.uri("/v1/messages"))
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)));

            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void healthIsOpen() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            HttpResponse<String> r = h.send(HttpRequest.newBuilder(h.uri("/_kimi/health")));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void nonLoopbackBindWithoutTokenIsRefused() {
        AccountsFile store = new AccountsFile(dir.resolve("kimi-accounts.json"), Clock.systemUTC());
        HealthPolicy policy = new HealthPolicy(Clock.systemUTC());
        KeySelector selector = new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy);
        ProxyConfig open = ProxyConfig.defaults(null).withPort(0);

        assertThatThrownBy(() -> new ProxyServer(open.withHost("0.0.0.0"), store, selector, policy))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("0.0.0.0").contains("--no-auth");
                });
        new ProxyServer(open.withHost("0.0.0.0").withToken(TOKEN), store, selector, policy).close();
        new ProxyServer(open.withHost("localhost"), store, selector, policy).close();
    }

    @Test
    void statusShowsEveryKeyInTheContractsShapeWithoutTheKey() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow", "retry-after", "30"));
            h.upstream.always(KEY_B, FakeUpstream.message());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);

            HttpResponse<String> r = h.send(h.request("/_kimi/status"));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).doesNotContain(KEY_A).doesNotContain(KEY_B);
            JsonNode status = JSON.readTree(r.body());
            assertThat(fieldNames(status)).containsExactly("strategy", "activeIndex", "keys", "state");
            assertThat(status.path("state").path("backend").asText()).isEqualTo("file");
            assertThat(status.path("state").path("connected").asBoolean()).isTrue();
            assertThat(status.path("strategy").asText()).isEqualTo("health-based");
            JsonNode a = status.path("keys").get(0);
            assertThat(fieldNames(a)).containsExactly("index", "id", "display", "name", "health", "state",
                    "limitedUntil", "reason", "inFlight", "totalRequests", "successfulRequests", "requestsToday",
                    "avgResponseMs", "p95ResponseMs", "tokensToday");
            assertThat(a.path("id").asText()).isEqualTo(ApiKeys.id(KEY_A));
            assertThat(a.path("display").asText()).isEqualTo(ApiKeys.display(KEY_A));
            assertThat(a.path("state").asText()).isEqualTo("limited");
            assertThat(a.path("limitedUntil").asText()).isEqualTo("2026-03-10T10:00:30Z");
            assertThat(a.path("reason").asText()).isEqualTo("rate limited");
            assertThat(a.path("health").asInt()).isEqualTo(85);
            assertThat(a.path("avgResponseMs").isNull()).as("a 429 is no timing sample: none, not 0 ms").isTrue();
            assertThat(a.path("p95ResponseMs").isNull()).isTrue();
            JsonNode b = status.path("keys").get(1);
            assertThat(b.path("avgResponseMs").isIntegralNumber()).as("B answered").isTrue();
            assertThat(b.path("p95ResponseMs").isIntegralNumber()).isTrue();
            assertThat(b.path("state").asText()).isEqualTo("active");
            assertThat(b.path("limitedUntil").isNull()).isTrue();
            assertThat(b.path("reason").isNull()).isTrue();
            assertThat(b.path("successfulRequests").asLong()).isEqualTo(1);
            assertThat(b.path("requestsToday").asLong()).isEqualTo(1);
        }
    }

    @Test
    void metricsCountRequestsByKeyAndOutcomeFailoversAndAvailableKeys() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(500, "api_error", "boom"));
            h.upstream.always(KEY_B, FakeUpstream.message());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            // A is now 20 points behind B: health-based goes straight to B.
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_B);

            HttpResponse<String> r = h.send(h.request("/_kimi/metrics"));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            String text = r.body();
            String a = ApiKeys.id(KEY_A);
            String b = ApiKeys.id(KEY_B);
            assertThat(text).containsPattern("kimi_requests_total\\{key=\"" + a + "\",outcome=\"failure\"} 1\\.0");
            assertThat(text).containsPattern("kimi_requests_total\\{key=\"" + b + "\",outcome=\"success\"} 2\\.0");
            assertThat(text).containsPattern("(?m)^kimi_failovers_total 1\\.0");
            assertThat(text).containsPattern("(?m)^kimi_keys_available 2\\.0");
            assertThat(text).containsPattern("(?m)^kimi_upstream_latency_seconds_bucket\\{le=\"0\\.1\"} ");
            assertThat(text).containsPattern("(?m)^kimi_upstream_latency_seconds_count 3");
            assertThat(text).containsPattern("kimi_proxy_responses_total\\{status=\"200\"} 2\\.0");
            assertThat(text).doesNotContain(KEY_A).doesNotContain(KEY_B);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
