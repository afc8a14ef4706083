package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.TokenUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the tokens an answer reports in its {@code usage} from the body's chunks as they pass to the client:
 * the top-level {@code usage} object of a JSON message, or the {@code usage} of the {@code message_start} and
 * {@code message_delta} events of an SSE stream (whose counts are cumulative: the last value of each wins).
 * It reads a view of each chunk and never holds the chunk back; its memory is bounded (a copy of the chunk and
 * one SSE line of at most {@link #MAX_LINE} bytes, or the JSON parser's small state). Not thread-safe: one answer's chunks come in order.
 */
abstract class UsageMeter {
    /** SSE lines longer than this are skipped: usage events are a few hundred bytes. */
    static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] FIELDS = {"input_tokens", "output_tokens", "cache_read_input_tokens",
        "cache_creation_input_tokens"};

    /** The latest value of each of {@link #FIELDS}; -1 while not reported. */
    private final long[] counts = {-1, -1, -1, -1};

    /**
     * A meter for an answer with these headers, or empty when its usage cannot be read as it passes
     * (a compressed body, or neither JSON nor SSE).
     */
    static Optional<UsageMeter> forAnswer(String contentType, String contentEncoding) {
        if (contentEncoding != null && !contentEncoding.isBlank() && !"identity".equalsIgnoreCase(contentEncoding.strip())) {
            return Optional.empty();
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            return Optional.of(new Sse());
        }
        if (type.startsWith("application/json")) {
            return Optional.of(new Json());
        }
        return Optional.empty();
    }

    /** Reads the remaining bytes of {@code chunk} without moving its position. */
    final void accept(ByteBuffer chunk) {
        if (chunk.hasRemaining()) {
            read(chunk.slice());
        }
    }

    abstract void read(ByteBuffer bytes);

    /** The usage reported so far; empty when none was. */
    final Optional<TokenUsage> usage() {
        if (counts[0] < 0 && counts[1] < 0 && counts[2] < 0 && counts[3] < 0) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsage(Math.max(0, counts[0]), Math.max(0, counts[1]), Math.max(0, counts[2]),
                Math.max(0, counts[3])));
    }

    /** Takes the counts a {@code usage} object reports; fields it does not report keep their value. */
    final void report(String field, long value) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(field) && value >= 0) {
                counts[i] = value;
            }
        }
    }

    /**
     * Server-sent events, line by line: each line's first bytes say what it is; only {@code event:} lines and the
     * {@code data:} lines of {@code message_start} and {@code message_delta} (or of events without a name) are
     * kept whole, every other line is skipped as it passes. The usage lines are parsed with Jackson.
     */
    private static final class Sse extends UsageMeter {
        private static final int HEAD = 6;
        private enum Line { UNDECIDED, KEEP, SKIP }

        private byte[] chunk = new byte[8192];
        private byte[] line = new byte[256];
        private int length;
        private boolean tooLong;
        private Line kind = Line.UNDECIDED;
        /** Whether the event being read may carry usage: named so, or not named at all. */
        private boolean wanted = true;

        @Override
        void read(ByteBuffer bytes) {
            int n = bytes.remaining();
            if (chunk.length < n) {
                chunk = new byte[n];
            }
            byte[] c = chunk;
            bytes.get(c, 0, n);
            int start = 0;
            int end = indexOfLineEnd(c, 0, n);
            while (end >= 0) {
                take(start, end);
                endOfLine();
                start = end + 1;
                end = indexOfLineEnd(c, start, n);
            }
            take(start, n);
        }

        private static int indexOfLineEnd(byte[] c, int from, int to) {
            for (int i = from; i < to; i++) {
                if (c[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** Bytes {@code from..to} of the chunk belong to the current line. */
        private void take(int from, int to) {
            if (kind == Line.UNDECIDED) {
                int head = Math.min(to - from, HEAD - length);
                append(from, from + head);
                from += head;
                if (length < HEAD) {
                    return;
                }
                kind = startsWith("event:") || startsWith("data:") && wanted() ? Line.KEEP : Line.SKIP;
            }
            if (kind == Line.KEEP) {
                append(from, to);
            }
        }

        private void append(int from, int to) {
            int count = to - from;
            if (count <= 0 || tooLong) {
                return;
            }
            if (length + count > MAX_LINE) {
                tooLong = true;
                return;
            }
            if (length + count > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
            }
            System.arraycopy(chunk, from, line, length, count);
            length += count;
        }

        private boolean wanted() {
            return wanted;
        }

        /** Whether the event named on the current {@code event:} line carries usage. */
        private boolean usageEvent(int end) {
            int from = 6;
            while (from < end && line[from] == ' ') {
                from++;
            }
            return regionIs(from, end, "message_start") || regionIs(from, end, "message_delta");
        }

        private boolean regionIs(int from, int end, String name) {
            int to = end;
            while (to > from && line[to - 1] == ' ') {
                to--;
            }
            if (to - from != name.length()) {
                return false;
            }
            for (int i = 0; i < name.length(); i++) {
                if (line[from + i] != name.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private void endOfLine() {
            int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            if (end == 0) {
                wanted = true;
            } else if (!tooLong && startsWith("event:")) {
                wanted = usageEvent(end);
            } else if (!tooLong && startsWith("data:") && wanted() && contains(end, "\"usage\"")) {
                readEvent(end);
            }
            length = 0;
            tooLong = false;
            kind = Line.UNDECIDED;
        }

        private void readEvent(int end) {
            JsonNode data;
            try {
                data = MAPPER.readTree(line, 5, end - 5);
            } catch (IOException e) {
                return;
            }
            if (data == null || !data.isObject()) {
                return;
            }
            String type = data.path("type").asText();
            JsonNode usage = "message_start".equals(type) ? data.path("message").path("usage")
                    : "message_delta".equals(type) ? data.path("usage") : null;
            if (usage != null && usage.isObject()) {
                usage.properties().forEach(f -> {
                    if (f.getValue().canConvertToLong()) {
                        report(f.getKey(), f.getValue().longValue());
                    }
                });
            }
        }

        private boolean startsWith(String prefix) {
            if (length < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (line[i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private boolean contains(int end, String needle) {
            outer:
            for (int i = 0; i + needle.length() <= end; i++) {
                for (int j = 0; j < needle.length(); j++) {
                    if (line[i + j] != needle.charAt(j)) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    /** A JSON message, read token by token with Jackson's non-blocking parser as the bytes come. */
    private static final class Json extends UsageMeter {
        /**
         * Without a shared table of field names: each parser would copy the table to add the names it meets (it is
         * never closed, so they never go back to it), which was most of what a request allocated.
         */
        private static final JsonFactory FACTORY = JsonFactory.builder()
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();
        private final JsonParser parser;
        private int depth;
        private boolean inUsage;
        private String field;
        private boolean broken;

        Json() {
            try {
                parser = FACTORY.createNonBlockingByteBufferParser();
            } catch (IOException e) {
                throw new IllegalStateException("Jackson has no non-blocking parser", e);
            }
        }

        @Override
        void read(ByteBuffer bytes) {
            if (broken) {
                return;
            }
            try {
                ((ByteBufferFeeder) parser.getNonBlockingInputFeeder()).feedInput(bytes);
                JsonToken token;
                while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
                    take(token);
                }
            } catch (IOException | RuntimeException e) {
                // Not JSON after all: the answer still goes to the client, only its usage is not counted.
                broken = true;
            }
        }

        private void take(JsonToken token) throws IOException {
            switch (token) {
                case START_OBJECT, START_ARRAY -> {
                    if (depth == 1) {
                        inUsage = "usage".equals(field) && token == JsonToken.START_OBJECT;
                    }
                    depth++;
                }
                case END_OBJECT, END_ARRAY -> {
                    depth--;
                    if (depth <= 1) {
                        inUsage = false;
                    }
                }
                case FIELD_NAME -> field = parser.currentName();
                case VALUE_NUMBER_INT -> {
                    if (inUsage && depth == 2) {
                        report(field, parser.getLongValue());
                    }
                }
                default -> {
                }
            }
        }
    }
}
