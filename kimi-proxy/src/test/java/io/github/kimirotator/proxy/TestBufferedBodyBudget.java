package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.BOUND;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
            CountDownLatch arrived = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            h.upstream.then(KEY_A, (request, response, callback) -> {
                arrived.countDown();
                if (gate.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                    FakeUpstream.message().serve(request, response, callback);
                } else {
                    callback.failed(new IllegalStateException("the gate never opened"));
                }
            });
            h.upstream.always(KEY_A, FakeUpstream.message());
            byte[] big = new byte[MIB];
            Arrays.fill(big, (byte) 'x');

            // The first big body is held while the upstream has not answered: it may go to another key yet.
            CompletableFuture<HttpResponse<String>> holding = h.http.sendAsync(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

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
            HttpResponse<String> first = holding.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo(FakeUpstream.MESSAGE_JSON);

            // Once the first answer is the client's, no other key will need its body: the memory is free again.
            HttpResponse<String> again = h.send(h.request("/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
            assertThat(again.statusCode()).isEqualTo(200);
        }
    }
}
