package io.github.kimirotator.api;

/**
 * The one rule for account names, wherever they enter (contract section 2): trimmed, 1 to 64 characters, and no
 * character that can steer a terminal or disguise text. Names typed by the user break the rule with an error;
 * names from a backup are cleaned; names already in a file (the seed checks nothing) are shown escaped.
 */
public final class Names {
    public static final int MAX_LENGTH = 64;

    private Names() {
    }

    /**
     * Whether {@code codePoint} may not appear in a name: C0 and C1 controls, format characters (bidi overrides
     * and isolates such as U+202E, zero-width characters such as U+200B, the BOM), line and paragraph separators
     * and lone surrogates.
     */
    public static boolean isUnsafe(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SURROGATE:
                return true;
            default:
                return false;
        }
    }

    /**
     * The name as stored, from the user: trimmed; {@code null} or blank gives {@code "Account N"}.
     *
     * @throws KimiException {@link ErrorCode#INVALID_ARGUMENT} for a name over 64 characters or with a character
     *     {@link #isUnsafe unsafe} in a name (named by its code point, never echoed)
     */
    public static String normalize(String name, int accountNumber) {
        if (name == null || name.strip().isEmpty()) {
            return defaultName(accountNumber);
        }
        String trimmed = name.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length > MAX_LENGTH) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid name: it has " + length
                    + " characters, at most " + MAX_LENGTH + " are allowed");
        }
        int bad = trimmed.codePoints().filter(Names::isUnsafe).findFirst().orElse(-1);
        if (bad >= 0) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid name: it contains " + codePoint(bad)
                    + ", a control or invisible formatting character; names may hold only visible text and spaces");
        }
        return trimmed;
    }

    /**
     * The name made to follow the rule, for names from a backup: unsafe characters removed, trimmed, cut to 64
     * characters; blank gives {@code "Account N"}. A name that already follows the rule comes back unchanged.
     */
    public static String clean(String name, int accountNumber) {
        if (name == null) {
            return defaultName(accountNumber);
        }
        StringBuilder kept = new StringBuilder(name.length());
        name.codePoints().filter(cp -> !isUnsafe(cp)).forEach(kept::appendCodePoint);
        String trimmed = kept.toString().strip();
        if (trimmed.codePointCount(0, trimmed.length()) > MAX_LENGTH) {
            trimmed = trimmed.substring(0, trimmed.offsetByCodePoints(0, MAX_LENGTH)).strip();
        }
        return trimmed.isEmpty() ? defaultName(accountNumber) : trimmed;
    }

    /**
     * The name as it may be shown on a terminal: every {@link #isUnsafe unsafe} character written as a Java-style
     * escape (<code>&#92;u001b</code>, <code>&#92;u202e</code>; above U+FFFF <code>&#92;U000e0001</code>), so nothing from a file reaches
     * the terminal as a control sequence or hides what the name says.
     */
    public static String escape(String name) {
        if (name == null) {
            return "";
        }
        if (name.codePoints().noneMatch(Names::isUnsafe)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length() + 16);
        name.codePoints().forEach(cp -> {
            if (!isUnsafe(cp)) {
                out.appendCodePoint(cp);
            } else if (cp > 0xFFFF) {
                out.append(String.format(java.util.Locale.ROOT, "\\U%08x", cp));
            } else {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", cp));
            }
        });
        return out.toString();
    }

    /** {@code U+001B}: how messages name a character without printing it. */
    static String codePoint(int cp) {
        return String.format(java.util.Locale.ROOT, cp > 0xFFFF ? "U+%08X" : "U+%04X", cp);
    }

    private static String defaultName(int accountNumber) {
        return "Account " + accountNumber;
    }
}
