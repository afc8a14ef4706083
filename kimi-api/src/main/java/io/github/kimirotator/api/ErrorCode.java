package io.github.kimirotator.api;

/**
 * Typed error codes. Exit code {@code 2} means the user can fix the command line; {@code 1} means the
 * command could not be done (contract section 2).
 */
public enum ErrorCode {
    /** Unknown command or option, missing argument. */
    BAD_USAGE(2, 400),
    /** A value given on the command line is invalid (bad number, bad name, password too short...). */
    INVALID_ARGUMENT(2, 400),
    /** The key does not follow the key rules. */
    INVALID_KEY(2, 400),
    /** The key is already stored. */
    DUPLICATE_KEY(2, 409),
    /** More than the allowed number of keys. */
    TOO_MANY_KEYS(2, 400),
    /** A key index that does not exist. */
    INDEX_OUT_OF_RANGE(2, 404),
    /** A strategy name that no built-in or plugin provides. */
    UNKNOWN_STRATEGY(2, 400),
    /** An output file exists and {@code --force} was not given. */
    TARGET_EXISTS(2, 409),
    /** Reading or writing a file failed. */
    IO_ERROR(1, 500),
    /** A file could not be parsed. */
    CORRUPT_FILE(1, 500),
    /** The accounts file lock could not be obtained in time. */
    LOCK_TIMEOUT(1, 503),
    /** Wrong password, or a damaged or tampered backup. */
    WRONG_PASSWORD(1, 400),
    /** A backup file of a format or version this build does not read. */
    UNKNOWN_FORMAT(1, 400),
    /** A proxy already serves this accounts file. */
    PROXY_ALREADY_RUNNING(1, 409),
    /** No running proxy was found. */
    NO_RUNNING_PROXY(1, 503),
    /** The upstream could not be reached. */
    UPSTREAM_DOWN(1, 502),
    /** There are no keys, or every key is disabled. */
    NO_USABLE_KEYS(1, 503),
    /** Every usable key is limited for now. */
    ALL_KEYS_LIMITED(1, 429),
    /** A plugin could not be loaded, or two strategies share one name. */
    PLUGIN_ERROR(1, 500),
    /** Authentication to the proxy failed. */
    UNAUTHORIZED(1, 401),
    /** Anything else that went wrong inside. */
    INTERNAL(1, 500);

    private final int exitCode;
    private final int httpStatus;

    ErrorCode(int exitCode, int httpStatus) {
        this.exitCode = exitCode;
        this.httpStatus = httpStatus;
    }

    public int exitCode() {
        return exitCode;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
