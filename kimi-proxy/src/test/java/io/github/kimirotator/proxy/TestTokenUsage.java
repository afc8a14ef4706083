package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.TokenUsage;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.FutureCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token usage per key and UTC day; that SSE usage is read as the events stream through is in TestProxyForwarding. */
class TestTokenUsage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DAY = "2026-03-10";
    private static final TokenUsage PER_JSON = new TokenUsage(1200, 34, 500, 6);
    private static final TokenUsage PER_SSE = new TokenUsage(40, 17, 30, 0);

    @TempDir
    Path dir;

    /** A JSON message reporting {@link #PER_JSON}. */
    static FakeUpstream.Behavior jsonWithUsage() {
        return FakeUpstream.answer(200, """
                {"id":"msg_1","type":"message","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":1200,\
                "output_tokens":34,"cache_read_input_tokens":500,"cache_creation_input_tokens":6}}""");
    }

    /** An SSE stream reporting {@link #PER_SSE}, written in pieces that cut lines in the middle. */
    static FakeUpstream.Behavior sseWithUsage() {
        String stream = TestUsageMeter.SSE;
        return (request, response, callback) -> {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            int[] cuts = {30, 61, 150, 151, 260, stream.length()};
            int from = 0;
            for (int to : cuts) {
                FutureCallback done = new FutureCallback();
                response.write(false, ByteBuffer.wrap(stream.substring(from, to).getBytes(StandardCharsets.UTF_8)), done);
                done.get(20, TimeUnit.SECONDS);
                from = to;
            }
            response.write(true, null, callback);
        };
    }

    @Test
    void countsPerKeyAndDayAreExactAfterConcurrentJsonAndSseRequests() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.store.update(s -> s.withStrategy("round-robin"));
            assertThat(eventually(() -> "round-robin".equals(h.proxy().state().effectiveStrategy()))).isTrue();
            h.upstream.always(KEY_A, jsonWithUsage());
            h.upstream.always(KEY_B, sseWithUsage());

            int requests = 40;
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                answers.add(pool.submit(() -> h.postMessage()));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            pool.shutdown();

            long viaA = h.upstream.keysTried().stream().filter(KEY_A::equals).count();
            long viaB = h.upstream.keysTried().stream().filter(KEY_B::equals).count();
            assertThat(viaA + viaB).isEqualTo(requests);
            assertThat(viaA).isPositive();
            assertThat(viaB).isPositive();
            TokenUsage expectA = times(PER_JSON, viaA);
            TokenUsage expectB = times(PER_SSE, viaB);
            // counted when each body has passed, which is just after the client got its last byte
            assertThat(eventually(() -> h.account(KEY_A).tokensOn(DAY).equals(expectA)
                    && h.account(KEY_B).tokensOn(DAY).equals(expectB))).isTrue();

            JsonNode status = JSON.readTree(h.send(h.request("/_kimi/status")).body());
            assertThat(status.at("/keys/0/tokensToday/input").asLong()).isEqualTo(expectA.input());
            assertThat(status.at("/keys/0/tokensToday/cacheRead").asLong()).isEqualTo(expectA.cacheRead());
            assertThat(status.at("/keys/1/tokensToday/output").asLong()).isEqualTo(expectB.output());
            String metrics = h.send(h.request("/_kimi/metrics")).body();
            assertThat(metrics).contains("kimi_tokens_total{key=\"" + ApiKeys.id(KEY_A) + "\"} "
                    + (double) expectA.total());
            assertThat(metrics).contains("kimi_tokens_total{key=\"" + ApiKeys.id(KEY_B) + "\"} "
                    + (double) expectB.total());
            assertThat(metrics).contains("kimi_tokens_by_kind_total{kind=\"cache_read\"} "
                    + (double) (expectA.cacheRead() + expectB.cacheRead()));

            // kept across restarts, in the accounts file
            h.restart();
            assertThat(h.stored(KEY_A).tokensOn(DAY)).isEqualTo(expectA);
            assertThat(h.stored(KEY_B).tokensOn(DAY)).isEqualTo(expectB);
            assertThat(h.account(KEY_B).tokensOn(DAY)).isEqualTo(expectB);
        }
    }

    @Test
    void aNewUtcDayStartsAtZeroAndKeepsTheDayBefore() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, jsonWithUsage());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(eventually(() -> h.account(KEY_A).tokensOn(DAY).equals(PER_JSON))).isTrue();
            h.clock.advance(Duration.ofHours(14));
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(eventually(() -> h.account(KEY_A).tokensOn("2026-03-11").equals(PER_JSON))).isTrue();
            assertThat(h.account(KEY_A).tokensOn(DAY)).isEqualTo(PER_JSON);
            JsonNode status = JSON.readTree(h.send(h.request("/_kimi/status")).body());
            assertThat(status.at("/keys/0/tokensToday/input").asLong()).isEqualTo(PER_JSON.input());
        }
    }

    @Test
    void errorsAndFailedOverAttemptsCountNoTokens() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.answer(429, """
                    {"type":"error","error":{"type":"rate_limit_error","message":"slow"},"usage":{"input_tokens":9}}"""));
            h.upstream.always(KEY_B, jsonWithUsage());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
            assertThat(eventually(() -> h.account(KEY_B).tokensOn(DAY).equals(PER_JSON))).isTrue();
            assertThat(h.account(KEY_A).dailyTokens()).isEmpty();
        }
    }

    private static TokenUsage times(TokenUsage u, long n) {
        return new TokenUsage(u.input() * n, u.output() * n, u.cacheRead() * n, u.cacheCreation() * n);
    }
}
