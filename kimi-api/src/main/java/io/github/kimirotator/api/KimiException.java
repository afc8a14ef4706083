package io.github.kimirotator.api;

import java.util.Objects;

/**
 * The one exception type of kimi-rotator. Its {@link ErrorCode} decides the CLI exit code and the HTTP
 * status, so callers never parse messages. The message is a single line meant for the user; it never
 * contains a whole API key or a password.
 */
public class KimiException extends RuntimeException {
    private final ErrorCode code;

    public KimiException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public KimiException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public int exitCode() {
        return code.exitCode();
    }

    public int httpStatus() {
        return code.httpStatus();
    }
}
