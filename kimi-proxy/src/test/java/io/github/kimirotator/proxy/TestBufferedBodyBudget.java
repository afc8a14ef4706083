package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory all request bodies held at once may take ({@code --max-buffered-mib}). */
class TestBufferedBodyBudget {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aBodyPastTheBudgetIsAnswered503OverloadedWithoutTouchingAnyKey() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withMaxBodyBytes(MIB).withMaxBufferedBytes(MIB + MIB / 2),
                KEY_A)) {
            CountDownLatch sentFirst = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            h.upstream.then(KEY_A, h.upstream.streamHeldAfterFirst(sentFirst, gate));
            h.upstream.always(KEY_A, FakeUpstream.message());
            byte[] big = new byte[MIB];
            Arrays.fill(big, (byte) 'x');

            // The first big body is held while its answer streams.
            CompletableFuture<HttpResponse<InputStream>> holding = h.http.sendAsync(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(sentFirst.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> withLength = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
            HttpResponse<String> chunked = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
            HttpResponse<String> small = h.postMessage();

            for (HttpResponse<String> r : java.util.List.of(withLength, chunked)) {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).contains("\"overloaded_error\"").contains("--max-buffered-mib");
                assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            }
            assertThat(small.statusCode()).as("a body that fits still passes").isEqualTo(200);
            assertThat(h.upstream.received()).hasSize(2);
            assertThat(h.account(KEY_A).totalRequests()).isEqualTo(1);
            assertThat(h.account(KEY_A).healthScore()).isEqualTo(100);

            gate.countDown();
            HttpResponse<InputStream> first = holding.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(new String(first.body().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(String.join("", FakeUpstream.SSE_EVENTS));

            // Once the first answer is over, its memory is free again.
            assertThat(eventually(() -> h.account(KEY_A).totalRequests() == 2)).isTrue();
            HttpResponse<String> again = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
            assertThat(again.statusCode()).isEqualTo(200);
        }
    }
}
