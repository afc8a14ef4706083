package io.github.kimirotator.storage.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;

/** The one-line errors of import; {@code source} is the file name the user gave. */
final class BackupErrors {
    private static final int MAX_SHOWN = 40;

    private BackupErrors() {
    }

    /** Deliberately one message for both: telling them apart would tell an attacker which guess got further. */
    static KimiException wrongPasswordOrDamaged(String source) {
        return new KimiException(ErrorCode.WRONG_PASSWORD, "wrong password or damaged file: " + source);
    }

    static KimiException unknownFormat(String source, String found) {
        return new KimiException(ErrorCode.UNKNOWN_FORMAT, "unknown backup format in " + source + ": " + found);
    }

    static KimiException unsafeKdf(String source, String why) {
        return new KimiException(ErrorCode.UNKNOWN_FORMAT,
                "refusing the key derivation parameters of " + source + ": " + why);
    }

    static KimiException invalidContent(String source, String what) {
        return new KimiException(ErrorCode.CORRUPT_FILE, "invalid content in backup " + source + ": " + what);
    }

    /** A value read from a file, as JSON (so control characters are escaped) and cut short: one safe line. */
    static String shown(JsonNode value) {
        String json = value == null || value.isMissingNode() ? "nothing" : value.toString();
        return json.length() <= MAX_SHOWN ? json : json.substring(0, MAX_SHOWN) + "...";
    }
}
