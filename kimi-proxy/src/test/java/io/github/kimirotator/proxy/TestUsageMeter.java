package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.TokenUsage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TestUsageMeter {
    static final String JSON = """
            {"id":"msg_01","type":"message","content":[{"type":"tool_use","input":{"usage":{"input_tokens":999}}}],\
            "usage":{"input_tokens":1234,"output_tokens":56,"cache_read_input_tokens":700,\
            "cache_creation_input_tokens":8,"server_tool_use":{"web_search_requests":1}},"stop_reason":"end_turn"}""";
    static final String SSE = FakeUpstream.sse("message_start", """
            {"type":"message_start","message":{"id":"m","usage":{"input_tokens":40,"output_tokens":1,\
            "cache_read_input_tokens":30}}}""")
            + FakeUpstream.sse("content_block_delta", """
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\"usage\\" is a word"}}""")
            + FakeUpstream.sse("message_delta", """
            {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":17}}""")
            + "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";

    @Property(tries = 200)
    void jsonUsageIsExactWhereverTheChunksSplit(@ForAll @Size(max = 6) List<@IntRange(min = 0, max = 400) Integer> cuts) {
        assertThat(read("application/json; charset=utf-8", JSON, cuts))
                .hasValue(new TokenUsage(1234, 56, 700, 8));
    }

    @Property(tries = 200)
    void sseUsageIsTheLastCumulativeCountWhereverTheChunksSplit(
            @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 500) Integer> cuts) {
        assertThat(read("text/event-stream", SSE, cuts)).hasValue(new TokenUsage(40, 17, 30, 0));
    }

    @Test
    void nothingIsCountedFromCompressedOrOtherAnswers() {
        assertThat(UsageMeter.forAnswer("application/json", "gzip")).isEmpty();
        assertThat(UsageMeter.forAnswer("text/plain", null)).isEmpty();
        assertThat(UsageMeter.forAnswer(null, null)).isEmpty();
        assertThat(UsageMeter.forAnswer("application/json", "identity")).isPresent();
    }

    @Test
    void anAnswerWithoutUsageOrNotJsonCountsNothing() {
        assertThat(read("application/json", "{\"id\":\"x\",\"content\":[]}", List.of())).isEmpty();
        assertThat(read("application/json", "<html>not json {\"usage\":{\"input_tokens\":5}}", List.of())).isEmpty();
        assertThat(read("text/event-stream", "data: {\"type\":\"ping\",\"usage\":{\"input_tokens\":5}}\n\n", List.of()))
                .isEmpty();
    }

    @Test
    void anOverlongSseLineIsSkippedAndTheNextOneStillRead() {
        String huge = "data: {\"type\":\"content_block_delta\",\"text\":\"" + "x".repeat(UsageMeter.MAX_LINE) + "\"}\n\n";
        assertThat(read("text/event-stream", huge + SSE, List.of(100, 70_000))).hasValue(new TokenUsage(40, 17, 30, 0));
    }

    @Test
    void readingLeavesTheChunkAsItWas() {
        UsageMeter meter = UsageMeter.forAnswer("text/event-stream", null).orElseThrow();
        ByteBuffer chunk = ByteBuffer.wrap(SSE.getBytes(StandardCharsets.UTF_8));
        meter.accept(chunk);
        assertThat(chunk.position()).isZero();
        assertThat(chunk.remaining()).isEqualTo(SSE.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Feeds {@code body} cut at {@code cuts} (positions, in any order) and returns what the meter read. */
    private static Optional<TokenUsage> read(String contentType, String body, List<Integer> cuts) {
        UsageMeter meter = UsageMeter.forAnswer(contentType, null).orElseThrow();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        TreeSet<Integer> at = new TreeSet<>();
        cuts.forEach(c -> at.add(Math.min(c, bytes.length)));
        at.add(bytes.length);
        int from = 0;
        for (int to : at) {
            // a direct buffer, as the network delivers them, positioned past a prefix the meter must not read
            ByteBuffer chunk = ByteBuffer.allocateDirect(to - from + 3);
            chunk.put(new byte[3]).put(bytes, from, to - from).flip().position(3);
            meter.accept(chunk);
            from = to;
        }
        return meter.usage();
    }
}
