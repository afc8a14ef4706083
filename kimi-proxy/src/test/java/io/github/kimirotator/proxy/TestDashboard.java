package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestDashboard {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void thePageAndItsAssetsNeedNoTokenCarryNoDataAndKeepToTheirOrigin() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            for (String path : List.of("/_kimi/", "/_kimi", "/_kimi/dashboard.js", "/_kimi/dashboard.css")) {
                HttpResponse<String> r = h.send(HttpRequest.newBuilder(h.uri(path)));
                assertThat(r.statusCode()).as(path).isEqualTo(200);
                assertThat(r.headers().firstValue("content-security-policy")).hasValue(Dashboard.CSP);
                assertThat(Dashboard.CSP).contains("default-src 'self'").contains("frame-ancestors 'none'")
                        .doesNotContain("unsafe-inline").doesNotContain("http");
                assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
                assertThat(r.headers().firstValue("referrer-policy")).hasValue("no-referrer");
                assertThat(r.headers().firstValue("x-frame-options")).hasValue("DENY");
                assertThat(r.body()).doesNotContain(KEY_A).doesNotContain(KEY_B).doesNotContain(ApiKeys.id(KEY_A))
                        .doesNotContain("Account 1").doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
            }
            assertThat(h.send(HttpRequest.newBuilder(h.uri("/_kimi/"))).headers().firstValue("content-type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(h.send(HttpRequest.newBuilder(h.uri("/_kimi/dashboard.js"))).headers().firstValue("content-type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
        }
    }

    @Test
    void dataAndActionsNeedTheToken() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            limit(h, KEY_A);
            byte[] before = Files.readAllBytes(h.store.path());
            for (HttpRequest.Builder request : List.of(
                    HttpRequest.newBuilder(h.uri("/_kimi/api/history")),
                    HttpRequest.newBuilder(h.uri("/_kimi/api/strategies")).header("authorization", "Bearer wrong"),
                    json(HttpRequest.newBuilder(h.uri("/_kimi/api/keys/0/clear-limits")), "{}"),
                    json(HttpRequest.newBuilder(h.uri("/_kimi/api/keys/1/activate")).header("x-api-key", "x"), "{}"),
                    json(HttpRequest.newBuilder(h.uri("/_kimi/api/strategy")), "{\"name\":\"sticky\"}"))) {
                HttpResponse<String> r = h.send(request);
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(r.body()).doesNotContain(ApiKeys.id(KEY_A)).doesNotContain("Account");
            }
            assertThat(Files.readAllBytes(h.store.path())).isEqualTo(before);
        }
    }

    @Test
    void crossSiteActionsAreRefusedAndChangeNothing() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            limit(h, KEY_A);
            byte[] before = Files.readAllBytes(h.store.path());
            String clear = "/_kimi/api/keys/0/clear-limits";
            List<HttpRequest.Builder> refused = List.of(
                    json(h.request(clear).header("origin", "http://evil.example"), "{}"),
                    json(h.request(clear).header("origin", "http://127.0.0.1:1"), "{}"),
                    json(h.request(clear).header("origin", "null"), "{}"),
                    json(h.request(clear).header("sec-fetch-site", "cross-site"), "{}"),
                    h.request(clear).header("content-type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString("a=b")),
                    h.request(clear).header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")),
                    h.request(clear).header("content-type", "multipart/form-data; boundary=x")
                            .POST(HttpRequest.BodyPublishers.ofString("--x--")),
                    h.request(clear).POST(HttpRequest.BodyPublishers.ofString("{}")),
                    json(h.request("/_kimi/api/strategy").header("origin", "http://evil.example"), "{\"name\":\"sticky\"}"));
            for (HttpRequest.Builder request : refused) {
                HttpResponse<String> r = h.send(request);
                assertThat(r.statusCode()).as(r.request().headers().map().toString()).isEqualTo(403);
                assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("permission_error");
            }
            assertThat(Files.readAllBytes(h.store.path())).isEqualTo(before);
            assertThat(h.account(KEY_A).isLimited(h.clock.millis())).isTrue();
            assertThat(h.proxy().state().effectiveStrategy()).isEqualTo("health-based");
        }
    }

    @Test
    void clearLimitsActivateAndStrategyReachTheFileAndTheProxyAtOnce() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            limit(h, KEY_A);
            assertThat(h.stored(KEY_A).isLimited(h.clock.millis())).isTrue();
            String own = "http://" + h.uri("/").getAuthority();

            HttpResponse<String> cleared = h.send(json(h.request("/_kimi/api/keys/0/clear-limits")
                    .header("origin", own).header("sec-fetch-site", "same-origin"), "{}"));
            assertThat(cleared.statusCode()).isEqualTo(200);
            JsonNode status = JSON.readTree(cleared.body());
            assertThat(status.at("/keys/0/state").asText()).isEqualTo("active");
            assertThat(status.at("/keys/0/limitedUntil").isNull()).isTrue();
            assertThat(h.stored(KEY_A).isLimited(h.clock.millis())).isFalse();
            assertThat(h.stored(KEY_A).limitReason()).isNull();
            // the penalty the proxy recorded before the action stays: only the limit was cleared
            assertThat(h.stored(KEY_A).healthScore()).isEqualTo(85);

            HttpResponse<String> activated = h.send(json(h.request("/_kimi/api/keys/1/activate"), "{}"));
            assertThat(activated.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(activated.body()).path("activeIndex").asInt()).isEqualTo(1);
            assertThat(h.store.read().activeIndex()).isEqualTo(1);

            HttpResponse<String> strategy = h.send(json(h.request("/_kimi/api/strategy"), "{\"name\":\"session-affinity\"}"));
            assertThat(strategy.statusCode()).isEqualTo(200);
            AccountsState stored = h.store.read();
            assertThat(stored.effectiveStrategy()).isEqualTo("session-affinity");
            assertThat(stored.rotationStrategy()).isEqualTo("health-based");
            assertThat(h.proxy().state().effectiveStrategy()).isEqualTo("session-affinity");

            HttpResponse<String> names = h.send(h.request("/_kimi/api/strategies"));
            assertThat(JSON.readTree(names.body()).path("strategies").toString())
                    .contains("round-robin").contains("session-affinity");
        }
    }

    @Test
    void badActionsAreRefusedWithTheirReason() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            byte[] before = Files.readAllBytes(h.store.path());
            HttpResponse<String> outOfRange = h.send(json(h.request("/_kimi/api/keys/2/clear-limits"), "{}"));
            assertThat(outOfRange.statusCode()).isEqualTo(404);
            assertThat(outOfRange.body()).contains("index 2 is out of range: there are 2 keys");
            HttpResponse<String> unknown = h.send(json(h.request("/_kimi/api/strategy"), "{\"name\":\"fastest\"}"));
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("unknown strategy 'fastest'; valid: health-based");
            assertThat(h.send(json(h.request("/_kimi/api/strategy"), "not json")).statusCode()).isEqualTo(400);
            assertThat(h.send(h.request("/_kimi/api/keys/0/activate")).statusCode()).isEqualTo(405);
            assertThat(h.send(json(h.request("/_kimi/api/nothing"), "{}")).statusCode()).isEqualTo(404);
            assertThat(Files.readAllBytes(h.store.path())).isEqualTo(before);
        }
    }

    @Test
    void historyShowsTheLastHourPerMinuteWithoutKeys() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow", "retry-after", "300"));
            h.upstream.always(KEY_B, FakeUpstream.message());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            h.clock.advance(Duration.ofMinutes(1));
            assertThat(h.postMessage().statusCode()).isEqualTo(200);

            HttpResponse<String> r = h.send(h.request("/_kimi/api/history"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).doesNotContain(KEY_A).doesNotContain(KEY_B);
            JsonNode minutes = JSON.readTree(r.body()).path("minutes");
            assertThat(minutes.size()).isEqualTo(History.MINUTES);
            JsonNode previous = minutes.get(History.MINUTES - 2);
            JsonNode current = minutes.get(History.MINUTES - 1);
            assertThat(previous.path("start").asText()).isEqualTo("2026-03-10T10:00:00Z");
            assertThat(previous.at("/requests/" + ApiKeys.id(KEY_A)).asLong()).isEqualTo(1);
            assertThat(previous.at("/requests/" + ApiKeys.id(KEY_B)).asLong()).isEqualTo(1);
            assertThat(previous.path("failovers").asLong()).isEqualTo(1);
            assertThat(previous.at("/tokens/" + ApiKeys.id(KEY_B)).asLong()).isEqualTo(4);
            assertThat(previous.path("latencyP95Ms").isNumber()).isTrue();
            assertThat(current.path("start").asText()).isEqualTo("2026-03-10T10:01:00Z");
            assertThat(current.at("/requests/" + ApiKeys.id(KEY_B)).asLong()).isEqualTo(1);
            assertThat(current.path("failovers").asLong()).isZero();
            assertThat(minutes.get(0).path("requests").isEmpty()).isTrue();
        }
    }

    /** Makes the proxy see a 429 for {@code key} (it is tried first), so the key is limited for 30 s. */
    private static void limit(ProxyHarness h, String key) throws Exception {
        h.upstream.then(key, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "30"));
        h.upstream.always(KEY_B, FakeUpstream.message());
        assertThat(h.postMessage().statusCode()).isEqualTo(200);
        assertThat(ProxyHarness.eventually(() -> h.stored(key).isLimited(h.clock.millis()))).isTrue();
    }

    private static HttpRequest.Builder json(HttpRequest.Builder request, String body) {
        return request.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

}
