package io.github.kimirotator.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The key and name rules of contract section 2, and the two safe ways to show a key. */
public final class ApiKeys {
    public static final String PREFIX = "sk-kimi-";
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 128;
    public static final int MAX_NAME_LENGTH = Names.MAX_LENGTH;
    /** Ids are asked for on every key choice; a SHA-256 each time would cost more than the choice itself. */
    private static final Map<String, String> IDS = new ConcurrentHashMap<>();
    /** A file holds at most 100 keys; the bound only matters for a process that sees many files. */
    private static final int MAX_CACHED_IDS = 1024;
    private static final Pattern KEY_PATTERN = Pattern.compile("^sk-kimi-[A-Za-z0-9_-]+$");

    private ApiKeys() {
    }

    /**
     * Checks {@code key} against the seed's rules.
     *
     * @throws KimiException {@link ErrorCode#INVALID_KEY} naming what is wrong, without echoing the key
     */
    public static void validateKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new KimiException(ErrorCode.INVALID_KEY, "invalid key: the key is empty");
        }
        if (!key.startsWith(PREFIX)) {
            throw new KimiException(ErrorCode.INVALID_KEY, "invalid key: it must start with '" + PREFIX + "'");
        }
        if (key.length() < MIN_LENGTH || key.length() > MAX_LENGTH) {
            throw new KimiException(ErrorCode.INVALID_KEY, "invalid key " + display(key) + ": it has "
                    + key.length() + " characters, it must have " + MIN_LENGTH + " to " + MAX_LENGTH);
        }
        if (!KEY_PATTERN.matcher(key).matches()) {
            throw new KimiException(ErrorCode.INVALID_KEY, "invalid key " + display(key)
                    + ": after '" + PREFIX + "' only letters, digits, '_' and '-' are allowed");
        }
    }

    /** The name as stored; see {@link Names#normalize}. */
    public static String normalizeName(String name, int accountNumber) {
        return Names.normalize(name, accountNumber);
    }

    /**
     * {@code sk-kimi-...} plus the last four characters; never more of the key. A string that is no valid key (one
     * the user typed, one from a hand-edited file) may end in a control or formatting character: those are shown as
     * escapes ({@link Names#escape}), so an error message never sends a control sequence to the terminal.
     */
    public static String display(String key) {
        if (key == null || key.codePointCount(0, key.length()) < 4) {
            return PREFIX + "...";
        }
        return PREFIX + "..." + Names.escape(key.substring(key.offsetByCodePoints(key.length(), -4)));
    }

    /** {@code k-} plus the first eight hex digits of the key's SHA-256: stable, safe for logs and metrics. */
    public static String id(String key) {
        String known = IDS.get(key);
        if (known != null) {
            return known;
        }
        if (IDS.size() >= MAX_CACHED_IDS) {
            IDS.clear();
        }
        String id = digestId(key);
        IDS.put(key, id);
        return id;
    }

    private static String digestId(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "k-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
