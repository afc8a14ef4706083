package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official Anthropic Java SDK pointed at the proxy, with its own retries off so failover is the proxy's. */
class TestAnthropicClient {
    private static final MessageCreateParams PARAMS = MessageCreateParams.builder()
            .model("kimi-for-coding")
            .maxTokens(64)
            .addUserMessage("ping")
            .build();

    @TempDir
    Path dir;

    @Test
    void nonStreamingMessageArrivesWhileKeysFailOverUnderneath() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B, KEY_C)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "30"));
            h.upstream.always(KEY_B, FakeUpstream.error(500, "api_error", "internal"));
            h.upstream.always(KEY_C, FakeUpstream.message());
            AnthropicClient client = client(h).apiKey(TOKEN).build();
            try {
                Message m = client.messages().create(PARAMS);

                assertThat(m.id()).isEqualTo("msg_01");
                assertThat(text(m)).isEqualTo("pong");
                assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_C);
                assertThat(h.upstream.received().get(2).headers().get("anthropic-version")).isNotNull();
            } finally {
                client.close();
            }
        }
    }

    @Test
    void streamingMessageArrivesWhileKeysFailOverUnderneath() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(403, "permission_error",
                    "You've reached your usage limit for this billing cycle"));
            h.upstream.always(KEY_B, FakeUpstream.stream());
            AnthropicClient client = client(h).authToken(TOKEN).build();
            try {
                MessageAccumulator accumulator = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> events = client.messages().createStreaming(PARAMS)) {
                    events.stream().forEach(accumulator::accumulate);
                }
                Message m = accumulator.message();

                assertThat(text(m)).isEqualTo("pong");
                assertThat(m.stopReason()).contains(StopReason.END_TURN);
                assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
                assertThat(h.account(KEY_A).limitReason()).isEqualTo("billing limit");
            } finally {
                client.close();
            }
        }
    }

    @Test
    void theProxysOwnErrorsAreAnthropicErrorsToTheSdk() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "30"));
            AnthropicClient wrongToken = client(h).apiKey("not-the-token").build();
            AnthropicClient client = client(h).apiKey(TOKEN).build();
            try {
                assertThatThrownBy(() -> wrongToken.messages().create(PARAMS))
                        .isInstanceOf(UnauthorizedException.class);
                assertThatThrownBy(() -> client.messages().create(PARAMS)).isInstanceOf(RateLimitException.class);
                assertThatThrownBy(() -> client.messages().create(PARAMS))
                        .isInstanceOfSatisfying(RateLimitException.class,
                                e -> assertThat(e.getMessage()).contains("rate limited"));
            } finally {
                wrongToken.close();
                client.close();
            }
        }
    }

    private static AnthropicOkHttpClient.Builder client(ProxyHarness h) {
        return AnthropicOkHttpClient.builder()
                .baseUrl(h.proxy().uri().toString())
                .maxRetries(0)
                .timeout(ProxyHarness.BOUND);
    }

    private static String text(Message m) {
        return m.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text())
                .collect(Collectors.joining());
    }
}
