package io.github.kimirotator.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: what reading the token usage costs per answer as it streams through, against a reference in the
 * same run: copying the same chunks once and looking at each byte once for a line end (the least any reader of
 * SSE lines must do). Interleaved rounds after a warm-up; medians and the ratio. Run by {@code bench/usage-meter.sh}.
 *
 * <p>Arguments: {@code [rounds=15] [answers per round=200]}.
 */
public final class UsageMeterBench {
    private UsageMeterBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int answers = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        List<ByteBuffer> sse = chunks(sseAnswer(2000), 1400);
        List<ByteBuffer> json = chunks(jsonAnswer(2000), 1400);
        long bytes = sse.stream().mapToLong(ByteBuffer::remaining).sum();
        long jsonBytes = json.stream().mapToLong(ByteBuffer::remaining).sum();
        for (int i = 0; i < 5; i++) {
            meter("text/event-stream", sse, answers);
            meter("application/json", json, answers);
            copy(sse, answers, false);
            copy(sse, answers, true);
        }
        long[] sseNs = new long[rounds];
        long[] jsonNs = new long[rounds];
        long[] copyNs = new long[rounds];
        long[] scanNs = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            sseNs[r] = meter("text/event-stream", sse, answers) / answers;
            jsonNs[r] = meter("application/json", json, answers) / answers;
            copyNs[r] = copy(sse, answers, false) / answers;
            scanNs[r] = copy(sse, answers, true) / answers;
        }
        double sseMedian = median(sseNs);
        double copyMedian = median(copyNs);
        double scanMedian = median(scanNs);
        System.out.printf(Locale.ROOT, "SSE answer of 2,000 deltas (%,d bytes in %d chunks):%n", bytes, sse.size());
        System.out.printf(Locale.ROOT, "  usage meter        %8.1f µs per answer (%.2f ns/byte)%n", sseMedian / 1e3,
                sseMedian / bytes);
        System.out.printf(Locale.ROOT, "  reference: 1 copy  %8.1f µs per answer (%.2f ns/byte)%n", copyMedian / 1e3,
                copyMedian / bytes);
        System.out.printf(Locale.ROOT, "  reference: copy and find line ends %8.1f µs per answer (%.2f ns/byte)%n",
                scanMedian / 1e3, scanMedian / bytes);
        System.out.printf(Locale.ROOT, "  ratio to the copy and line ends    %8.2f%n", sseMedian / scanMedian);
        System.out.printf(Locale.ROOT, "JSON answer (%,d bytes): usage meter %.1f µs per answer (%.2f ns/byte)%n", jsonBytes,
                median(jsonNs) / 1e3, median(jsonNs) / jsonBytes);
    }

    private static long meter(String type, List<ByteBuffer> chunks, int answers) {
        long start = System.nanoTime();
        long check = 0;
        for (int i = 0; i < answers; i++) {
            UsageMeter meter = UsageMeter.forAnswer(type, null).orElseThrow();
            for (ByteBuffer chunk : chunks) {
                meter.accept(chunk);
            }
            check += meter.usage().orElseThrow().output();
        }
        long elapsed = System.nanoTime() - start;
        if (check != 2000L * answers) {
            throw new IllegalStateException("wrong count " + check);
        }
        return elapsed;
    }

    private static long copy(List<ByteBuffer> chunks, int answers, boolean findLineEnds) {
        long start = System.nanoTime();
        long check = 0;
        byte[] into = new byte[2048];
        for (int i = 0; i < answers; i++) {
            for (ByteBuffer chunk : chunks) {
                ByteBuffer view = chunk.slice();
                int n = view.remaining();
                view.get(into, 0, n);
                check += into[n - 1];
                if (findLineEnds) {
                    for (int b = 0; b < n; b++) {
                        if (into[b] == '\n') {
                            check++;
                        }
                    }
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        if (check == 42) {
            System.out.print("");
        }
        return elapsed;
    }

    private static String sseAnswer(int deltas) {
        StringBuilder s = new StringBuilder(FakeUpstream.sse("message_start", """
                {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",\
                "model":"kimi-for-coding","content":[],"usage":{"input_tokens":5000,"output_tokens":1}}}"""));
        for (int i = 0; i < deltas; i++) {
            s.append(FakeUpstream.sse("content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" word"}}"""));
        }
        s.append(FakeUpstream.sse("message_delta", """
                {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":%d}}""".formatted(deltas)));
        return s.append(FakeUpstream.sse("message_stop", "{\"type\":\"message_stop\"}")).toString();
    }

    private static String jsonAnswer(int words) {
        return "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + " word".repeat(words) + "\"}],\"usage\":{\"input_tokens\":5000,\"output_tokens\":" + words + "}}";
    }

    private static List<ByteBuffer> chunks(String text, int size) {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < all.length; i += size) {
            ByteBuffer b = ByteBuffer.allocateDirect(Math.min(size, all.length - i));
            b.put(all, i, b.capacity()).flip();
            out.add(b);
        }
        return out;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
