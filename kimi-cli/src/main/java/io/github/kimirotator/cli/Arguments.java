package io.github.kimirotator.cli;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;

/** Strict parsing of command-line values, with errors that name the value at fault. */
public final class Arguments {
    private Arguments() {
    }

    /** A 0-based key index that exists in {@code state}. */
    public static int index(String text, AccountsState state) {
        return index(text, state, "a number");
    }

    /** As {@link #index(String, AccountsState)}, for a parameter that also takes words: {@code expected} names all it takes. */
    public static int index(String text, AccountsState state, String expected) {
        int count = state.accounts().size();
        String range = count == 0 ? "there are no keys" : "there " + (count == 1 ? "is 1 key" : "are " + count + " keys")
                + " (0 to " + (count - 1) + ")";
        int index;
        try {
            index = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid index '" + text + "': expected " + expected + "; " + range);
        }
        if (index < 0 || index >= count) {
            throw new KimiException(ErrorCode.INDEX_OUT_OF_RANGE, "index " + index + " is out of range: " + range);
        }
        return index;
    }

    /** A whole number within {@code min..max}; anything else ("12abc", "1.5", "") is refused. */
    public static int integer(String what, String text, int min, int max) {
        String t = text == null ? "" : text.strip();
        if (!t.matches("[+-]?\\d{1,10}")) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT,
                    "invalid " + what + " '" + text + "': expected a whole number from " + min + " to " + max);
        }
        long value = Long.parseLong(t);
        if (value < min || value > max) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT,
                    "invalid " + what + " " + value + ": it must be from " + min + " to " + max);
        }
        return (int) value;
    }

    /**
     * A keyword of the command line as its canonical (lower-case) spelling: keywords are taken in any case and with
     * surrounding blanks ({@code TRUE}, {@code ALL}, {@code OpenCode}), as {@code clear-limits ALL} always was; null
     * for null.
     */
    public static String keyword(String text) {
        return text == null ? null : text.strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code true} or {@code false} (in any case), nothing else. */
    public static boolean bool(String what, String text) {
        String word = keyword(text);
        if ("true".equals(word)) {
            return true;
        }
        if ("false".equals(word)) {
            return false;
        }
        throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid " + what + " '" + text + "': expected true or false");
    }

    /** An absolute http or https URL. */
    public static java.net.URI uri(String what, String text) {
        try {
            java.net.URI uri = new java.net.URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below, with the value
        }
        throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid " + what + " '" + text + "': expected an http:// or https:// URL");
    }
}
