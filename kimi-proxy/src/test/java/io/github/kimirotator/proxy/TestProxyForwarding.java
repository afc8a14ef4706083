package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.TOKEN;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestProxyForwarding {
    @TempDir
    Path dir;

    @Test
    void forwardsPathQueryBodyAndHeadersWithTheChosenKeyOnly() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            byte[] body = ProxyHarness.MESSAGE_REQUEST.getBytes(StandardCharsets.UTF_8);
            String answer;
            try (RawHttp raw = new RawHttp(h.proxy().uri(), BOUND)) {
                raw.send("POST /v1/messages?beta=true&x=%2Fy HTTP/1.1\r\n"
                        + "Host: " + h.proxy().uri().getAuthority() + "\r\n"
                        + "Authorization: Bearer " + TOKEN + "\r\n"
                        + "Content-Type: application/json\r\n"
                        + "anthropic-version: 2023-06-01\r\n"
                        + "anthropic-beta: tools-2024\r\n"
                        + "X-Claude-Code-Session-Id: ses-1\r\n"
                        + "Proxy-Authorization: Basic secret\r\n"
                        + "TE: trailers\r\n"
                        + "Connection: close, X-Hop\r\n"
                        + "X-Hop: only-for-the-proxy", body);
                answer = raw.readAll();
            }

            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(answer).containsIgnoringCase("request-id: req_fake");
            assertThat(answer).containsIgnoringCase("anthropic-ratelimit-requests-remaining: 41");
            assertThat(answer).endsWith(FakeUpstream.MESSAGE_JSON);
            FakeUpstream.Received sent = h.upstream.received().get(0);
            assertThat(sent.path()).isEqualTo("/coding/v1/messages");
            assertThat(sent.query()).isEqualTo("beta=true&x=%2Fy");
            assertThat(sent.body()).isEqualTo(body);
            assertThat(sent.headers().getValuesList("x-api-key")).containsExactly(KEY_A);
            assertThat(sent.headers().get("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(sent.headers().get("anthropic-beta")).isEqualTo("tools-2024");
            assertThat(sent.headers().get("content-type")).isEqualTo("application/json");
            assertThat(sent.headers().get("x-claude-code-session-id")).isEqualTo("ses-1");
            for (String dropped : List.of("authorization", "proxy-authorization", "te", "x-hop")) {
                assertThat(sent.headers().get(dropped)).as(dropped).isNull();
            }
            assertThat(sent.headers().get("connection")).isNotEqualToIgnoringCase("close, X-Hop");
        }
    }

    /**
     * The upstream URI of the last path and query is reused: each request still reaches the upstream at its own
     * path and query, whatever came before; and headers of 4 to 8 KB (Jetty's limit, now the size of the pooled
     * header buffer) still pass.
     */
    @Test
    void eachRequestReachesTheUpstreamAtItsOwnPathAndQuery() throws Exception {
        List<String> targets = List.of("/v1/messages", "/v1/messages?beta=true", "/v1/messages?beta=true",
                "/v1/messages", "/v1/messages/count_tokens", "/v1/messages?beta=false", "/v1/messages?beta=true");
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            byte[] body = ProxyHarness.MESSAGE_REQUEST.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < targets.size(); i++) {
                try (RawHttp raw = new RawHttp(h.proxy().uri(), BOUND)) {
                    raw.send("POST " + targets.get(i) + " HTTP/1.1\r\n"
                            + "Host: " + h.proxy().uri().getAuthority() + "\r\n"
                            + "Authorization: Bearer " + TOKEN + "\r\n"
                            + "Content-Type: application/json\r\n"
                            + "X-Large: " + "x".repeat(i == 2 ? 6000 : 10) + "\r\n"
                            + "Connection: close", body);
                    assertThat(raw.readAll()).as(targets.get(i)).startsWith("HTTP/1.1 200");
                }
            }

            List<FakeUpstream.Received> sent = h.upstream.received();
            assertThat(sent).hasSize(targets.size());
            for (int i = 0; i < targets.size(); i++) {
                String query = sent.get(i).query();
                assertThat(sent.get(i).path().substring("/coding".length()) + (query == null ? "" : "?" + query))
                        .isEqualTo(targets.get(i));
            }
            assertThat(sent.get(2).headers().get("x-large")).hasSize(6000);
        }
    }

    @Test
    void theSessionOfEachRequestReachesTheStrategy() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            h.upstream.always(KEY_B, FakeUpstream.message());
            h.store.update(s -> s.withStrategy("session-affinity"));
            assertThat(eventually(() -> h.proxy().status().strategy().equals("session-affinity"))).isTrue();
            String claudeCodeBody = "{\"model\":\"m\",\"metadata\":{\"user_id\":"
                    + "\"{\\\"device_id\\\":\\\"d\\\",\\\"session_id\\\":\\\"s2\\\"}\"}}";

            // A new session goes to the least busy key: s1 to A, then s2 to B (A already served one today).
            assertThat(h.send(withSession(h, "x-claude-code-session-id", "s1")).statusCode()).isEqualTo(200);
            assertThat(h.send(withSession(h, "x-session-affinity", "s2")).statusCode()).isEqualTo(200);
            assertThat(h.send(withSession(h, "x-session-id", "s1")).statusCode()).isEqualTo(200);
            assertThat(h.send(h.request("/v1/messages").POST(HttpRequest.BodyPublishers.ofString(claudeCodeBody)))
                    .statusCode()).isEqualTo(200);

            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_A, KEY_B);
        }
    }

    private static HttpRequest.Builder withSession(ProxyHarness h, String header, String session) {
        return h.request("/v1/messages").header(header, session)
                .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST));
    }

    @Test
    void successIsRecordedForTheKey() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(FakeUpstream.MESSAGE_JSON);
            Account a = h.account(KEY_A);
            assertThat(a.totalRequests()).isEqualTo(1);
            assertThat(a.successfulRequests()).isEqualTo(1);
            assertThat(a.responseTimes()).hasSize(1);
            assertThat(a.dailyRequests()).containsEntry("2026-03-10", 1L);
        }
    }

    @Test
    void headOfTheRootAnswers200WithoutBody() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            HttpResponse<String> r = h.send(HttpRequest.newBuilder(h.uri("/"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void pathsOutsideV1AreNotForwarded() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            HttpResponse<String> r = h.send(h.request("/v2/messages").GET());

            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.body()).contains("\"not_found_error\"");
            assertThat(h.upstream.received()).isEmpty();
        }
    }

    @Test
    void streamsEachEventAsItComes() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            CountDownLatch sentFirst = new CountDownLatch(1);
            CountDownLatch clientGotFirst = new CountDownLatch(1);
            h.upstream.always(KEY_A, h.upstream.streamHeldAfterFirst(sentFirst, clientGotFirst));

            HttpResponse<InputStream> r = h.http.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                    if (line.contains("\"message_start\"")) {
                        // The upstream holds every later event until this point: had the proxy buffered the
                        // stream, this line could not have arrived.
                        clientGotFirst.countDown();
                    }
                }
            }

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
            assertThat(String.join("\n", lines) + "\n").isEqualTo(String.join("", FakeUpstream.SSE_EVENTS));
            assertThat(h.upstream.problems()).isEmpty();
            // the usage was read on the way without holding anything back: message_start 3 in, message_delta 2 out
            assertThat(ProxyHarness.eventually(() -> h.account(KEY_A).tokensOn("2026-03-10")
                    .equals(new io.github.kimirotator.api.TokenUsage(3, 2, 0, 0)))).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 413, 422})
    void clientErrorsAreReturnedAsTheyAreAndCostNoHealth(int status) throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(status, "invalid_request_error", "max_tokens is wrong",
                    "request-id", "req_bad"));
            h.upstream.always(KEY_B, FakeUpstream.message());

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(status);
            assertThat(r.body()).contains("max_tokens is wrong");
            assertThat(r.headers().firstValue("request-id")).hasValue("req_bad");
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A);
            Account a = h.account(KEY_A);
            assertThat(a.healthScore()).isEqualTo(100);
            assertThat(a.totalRequests()).isZero();
            assertThat(a.isLimited(ProxyHarness.START.toEpochMilli())).isFalse();
        }
    }

    @Test
    void bodyOverTheLimitIsRefusedWithoutGoingUpstream() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxBodyBytes(1024), KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            byte[] big = new byte[4096];

            HttpResponse<String> sized = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
            HttpResponse<String> chunked = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
            HttpResponse<String> fits = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])));

            assertThat(sized.statusCode()).isEqualTo(413);
            assertThat(sized.body()).contains("\"request_too_large\"");
            assertThat(chunked.statusCode()).isEqualTo(413);
            assertThat(fits.statusCode()).isEqualTo(200);
            assertThat(h.upstream.received()).hasSize(1);
        }
    }

    @Test
    void clientHangingUpMidStreamDropsTheUpstreamWithoutPenalty() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            CountDownLatch clientGone = new CountDownLatch(1);
            CountDownLatch upstreamDropped = new CountDownLatch(1);
            h.upstream.always(KEY_A, h.upstream.streamUntilDropped(clientGone, upstreamDropped));

            try (RawHttp raw = new RawHttp(h.proxy().uri(), BOUND)) {
                raw.send("POST /v1/messages HTTP/1.1\r\nHost: proxy\r\nx-api-key: " + TOKEN,
                        ProxyHarness.MESSAGE_REQUEST.getBytes(StandardCharsets.UTF_8));
                raw.readUntil("message_start");
            }
            clientGone.countDown();

            assertThat(upstreamDropped.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(eventually(() -> h.proxy().status().keys().get(0).inFlight() == 0)).isTrue();
            Account a = h.account(KEY_A);
            assertThat(a.totalRequests()).isEqualTo(1);
            assertThat(a.successfulRequests()).isEqualTo(1);
            assertThat(a.consecutiveFailures()).isZero();
            assertThat(a.healthScore()).isEqualTo(100);
            assertThat(h.upstream.problems()).isEmpty();
        }
    }
}
