package io.github.kimirotator.storage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON tree exactly as the seed's {@code JSON.stringify(value, null, 2)} does, so that a file the seed
 * wrote and we rewrote without change stays byte-identical: {@code "key": value}, empty containers as
 * {@code []} and {@code {}}, JavaScript's string escapes and no trailing newline.
 */
final class SeedJsonWriter {
    private static final String INDENT = "  ";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private SeedJsonWriter() {
    }

    static String write(JsonNode node) {
        StringBuilder out = new StringBuilder(4096);
        value(out, node, 0);
        return out.toString();
    }

    private static void value(StringBuilder out, JsonNode node, int depth) {
        switch (node.getNodeType()) {
            case OBJECT -> object(out, node, depth);
            case ARRAY -> array(out, node, depth);
            case STRING -> string(out, node.textValue());
            case NUMBER -> number(out, node);
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL, MISSING -> out.append("null");
            case BINARY, POJO -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static void object(StringBuilder out, JsonNode node, int depth) {
        if (node.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            newline(out, depth + 1);
            string(out, field.getKey());
            out.append(": ");
            value(out, field.getValue(), depth + 1);
            if (fields.hasNext()) {
                out.append(',');
            }
        }
        newline(out, depth);
        out.append('}');
    }

    private static void array(StringBuilder out, JsonNode node, int depth) {
        if (node.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
            newline(out, depth + 1);
            value(out, node.get(i), depth + 1);
            if (i < node.size() - 1) {
                out.append(',');
            }
        }
        newline(out, depth);
        out.append(']');
    }

    private static void newline(StringBuilder out, int depth) {
        out.append('\n');
        out.append(INDENT.repeat(depth));
    }

    private static void number(StringBuilder out, JsonNode node) {
        // JavaScript writes NaN and the infinities as null; JSON has no other spelling for them.
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            out.append("null");
        } else {
            out.append(node.numberValue());
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || isLoneSurrogate(s, i)) {
                        unicodeEscape(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** A surrogate that is not half of a pair cannot be encoded as UTF-8; JavaScript escapes it. */
    private static boolean isLoneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
    }
}
