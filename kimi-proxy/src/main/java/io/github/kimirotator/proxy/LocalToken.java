package io.github.kimirotator.proxy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.IoErrors;
import io.github.kimirotator.storage.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The local token clients send to the proxy: 256 random bits as 64 hex digits, kept one line in
 * {@code <config dir>/kimi-rotator/token} (0600), made on first use (contract section 1). The folder is
 * {@code ConfigPaths.ownDir()}.
 */
public final class LocalToken {
    public static final String FILE_NAME = "token";
    private static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalToken() {
    }

    /** The token file in {@code ownDir}. */
    public static Path path(Path ownDir) {
        return ownDir.resolve(FILE_NAME);
    }

    /**
     * The token stored in {@code ownDir}, created first if there is none. Two processes starting at
     * once agree on one token: only the first file is kept.
     *
     * @throws KimiException {@code IO_ERROR} when the file cannot be read or written, {@code CORRUPT_FILE}
     *     when it is empty
     */
    public static String loadOrCreate(Path ownDir) {
        Path file = path(ownDir);
        String existing = read(file);
        if (existing != null) {
            return existing;
        }
        String token = generate();
        if (PrivateFiles.createIfAbsent(file, (token + "\n").getBytes(StandardCharsets.US_ASCII))) {
            return token;
        }
        return read(file);
    }

    /** A new token: 256 bits from {@link SecureRandom} as 64 hex digits. */
    /**
     * The token stored in {@code ownDir}, if there is one (clients read it to talk to the proxy).
     *
     * @throws KimiException {@code IO_ERROR} when it cannot be read, {@code CORRUPT_FILE} when it is empty
     */
    public static Optional<String> load(Path ownDir) {
        return Optional.ofNullable(read(path(ownDir)));
    }

    static String generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + file + ": " + IoErrors.reason(e), e);
        }
        String token = lines.isEmpty() ? "" : lines.get(0).strip();
        if (token.isEmpty()) {
            throw new KimiException(ErrorCode.CORRUPT_FILE, "the token file " + file
                    + " is empty: delete it and a new token is made on the next start");
        }
        return token;
    }
}
