package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an upstream's connections do to requests and keys: a close on reuse is the connection's fault and is
 * retried on a fresh connection at no cost; anything before the first byte reaches the client fails over; a
 * body cut short is a failed request; a client that leaves while the upstream is silent ends the upstream
 * request.
 */
class TestUpstreamConnectionFaults {
    /** What Jetty's toString of its objects looks like ({@code HttpConnectionOverHTTP@1a2b3c}). */
    private static final Pattern OBJECT_DUMP = Pattern.compile("[A-Za-z]+@[0-9a-f]{4,}");

    @TempDir
    Path dir;
    ScriptedUpstream upstream;

    @BeforeEach
    void upstream() throws IOException {
        upstream = new ScriptedUpstream();
    }

    @AfterEach
    void closeUpstream() throws IOException {
        upstream.close();
    }

    private ProxyHarness proxy(String... keys) throws Exception {
        return ProxyHarness.start(dir, c -> c.withUpstream(upstream.base()), keys);
    }

    @Test
    void aReusedConnectionClosedAsTheRequestArrivesIsRetriedFreshWithTheSameKeyAtNoCost() throws Exception {
        upstream.script(r -> r.answeredBefore() > 0 ? new ScriptedUpstream.Drop() : ScriptedUpstream.ok(r));
        try (ProxyHarness h = proxy(KEY_A, KEY_B)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = h.postMessage();
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(new String(ScriptedUpstream.body(1, 64), StandardCharsets.UTF_8));
            }

            assertThat(upstream.onReusedConnections()).as("the race happened").isNotEmpty();
            assertThat(upstream.perKey()).containsOnlyKeys(KEY_A);
            Account a = h.account(KEY_A);
            assertThat(a.healthScore()).isEqualTo(100);
            assertThat(a.totalRequests()).isEqualTo(3);
            assertThat(a.successfulRequests()).isEqualTo(3);
            assertThat(h.account(KEY_B).totalRequests()).isZero();
        }
    }

    @Test
    void headersThenCloseBeforeAnyBodyByteFailsOverToTheNextKey() throws Exception {
        upstream.script(r -> KEY_A.equals(r.key()) ? new ScriptedUpstream.HeadersThenClose(200, 100)
                : ScriptedUpstream.ok(r));
        try (ProxyHarness h = proxy(KEY_A, KEY_B)) {
            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(new String(ScriptedUpstream.body(1, 64), StandardCharsets.UTF_8));
            assertThat(upstream.received()).extracting(ScriptedUpstream.Received::key).containsExactly(KEY_A, KEY_B);
            Account a = h.account(KEY_A);
            assertThat(a.healthScore()).isEqualTo(80);
            assertThat(a.successfulRequests()).isZero();
            assertThat(h.account(KEY_B).successfulRequests()).isEqualTo(1);
        }
    }

    @Test
    void headersThenCloseWithNoKeyLeftIsAnAnthropicErrorWithoutJettyInternals() throws Exception {
        upstream.script(r -> new ScriptedUpstream.HeadersThenClose(200, 100));
        try (ProxyHarness h = proxy(KEY_A)) {
            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
                    .startsWith("application/json"));
            assertThat(r.body()).startsWith("{\"type\":\"error\"").contains("\"api_error\"");
            assertThat(OBJECT_DUMP.matcher(r.body()).find()).as("object dump in " + r.body()).isFalse();
            assertThat(h.account(KEY_A).successfulRequests()).isZero();
        }
    }

    @Test
    void aDroppedFreshConnectionIsReportedWithoutJettyInternals() throws Exception {
        upstream.script(r -> new ScriptedUpstream.Drop());
        try (ProxyHarness h = proxy(KEY_A)) {
            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).contains("\"api_error\"").contains("could not be reached");
            assertThat(OBJECT_DUMP.matcher(r.body()).find()).as("object dump in " + r.body()).isFalse();
            assertThat(h.account(KEY_A).healthScore()).as("a fresh connection's failure is the key's")
                    .isEqualTo(80);
        }
    }

    @Test
    void aBodyCutShortByTheUpstreamIsAFailedRequest() throws Exception {
        byte[] whole = ScriptedUpstream.body(7, 20_000);
        upstream.script(r -> new ScriptedUpstream.Truncated(200, whole, 5_000));
        try (ProxyHarness h = proxy(KEY_A)) {
            byte[] got;
            try {
                got = h.http.send(h.request("/v1/messages").POST(HttpRequest.BodyPublishers.ofString(
                        ProxyHarness.MESSAGE_REQUEST)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
            } catch (IOException e) {
                got = null;
            }
            assertThat(got == null || got.length < whole.length).as("the client's answer is broken").isTrue();

            assertThat(eventually(() -> h.account(KEY_A).totalRequests() == 1)).isTrue();
            assertThat(h.account(KEY_A).successfulRequests()).isZero();
            String metrics = h.send(h.request(RootHandler.METRICS)).body();
            assertThat(metrics).contains("outcome=\"failure\"").doesNotContain("outcome=\"success\"");
        }
    }

    @Test
    void aClientLeavingWhileTheUpstreamIsSilentEndsTheUpstreamRequest() throws Exception {
        upstream.script(r -> new ScriptedUpstream.Stall());
        try (ProxyHarness h = proxy(KEY_A)) {
            try (RawHttp client = new RawHttp(h.proxy().uri(), BOUND)) {
                client.send("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: " + ProxyHarness.TOKEN
                        + "\r\nContent-Type: application/json", ProxyHarness.MESSAGE_REQUEST.getBytes(
                        StandardCharsets.UTF_8));
                assertThat(eventually(() -> upstream.received().size() == 1)).isTrue();
            }

            assertThat(eventually(() -> upstream.stallsEndedByPeer() == 1)).as("upstream request ended").isTrue();
            String keyId = h.proxy().status().keys().get(0).id();
            assertThat(eventually(() -> h.proxy().status().keys().get(0).inFlight() == 0)).isTrue();
            Account a = h.account(KEY_A);
            assertThat(a.healthScore()).isEqualTo(100);
            assertThat(a.totalRequests()).isZero();
            assertThat(keyId).startsWith("k-");
        }
    }
}
