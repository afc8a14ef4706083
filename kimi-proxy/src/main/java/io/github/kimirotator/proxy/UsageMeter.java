package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the tokens an answer reports in its {@code usage} from the body's chunks as they pass to the client:
 * the top-level {@code usage} object of a JSON message, or the {@code usage} of the {@code message_start} and
 * {@code message_delta} events of an SSE stream (whose counts are cumulative: the last value of each wins).
 * It reads a view of each chunk and never holds the chunk back; its memory is bounded (one SSE line, at most
 * {@link #MAX_LINE} bytes, or the JSON parser's small state). Not thread-safe: one answer's chunks come in order.
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

    /** Server-sent events: collects each {@code data:} line, and reads those of the two usage events. */
    private static final class Sse extends UsageMeter {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private boolean tooLong;

        @Override
        void read(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                byte b = bytes.get();
                if (b == '\n') {
                    endOfLine();
                } else if (!tooLong) {
                    if (line.size() >= MAX_LINE) {
                        tooLong = true;
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
        }

        private void endOfLine() {
            if (!tooLong && line.size() > 5) {
                byte[] text = line.toByteArray();
                if (startsWith(text, "data:") && contains(text, "\"usage\"")) {
                    readEvent(text);
                }
            }
            line.reset();
            tooLong = false;
        }

        private void readEvent(byte[] text) {
            JsonNode event;
            try {
                event = MAPPER.readTree(text, 5, text.length - 5);
            } catch (IOException e) {
                return;
            }
            if (event == null || !event.isObject()) {
                return;
            }
            String type = event.path("type").asText();
            JsonNode usage = "message_start".equals(type) ? event.path("message").path("usage")
                    : "message_delta".equals(type) ? event.path("usage") : null;
            if (usage != null && usage.isObject()) {
                usage.properties().forEach(f -> {
                    if (f.getValue().canConvertToLong()) {
                        report(f.getKey(), f.getValue().longValue());
                    }
                });
            }
        }

        private static boolean startsWith(byte[] text, String prefix) {
            for (int i = 0; i < prefix.length(); i++) {
                if (text[i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean contains(byte[] text, String needle) {
            outer:
            for (int i = 0; i + needle.length() <= text.length; i++) {
                for (int j = 0; j < needle.length(); j++) {
                    if (text[i + j] != needle.charAt(j)) {
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
        private static final JsonFactory FACTORY = new JsonFactory();
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
