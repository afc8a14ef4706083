package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.PrivateFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <config dir>/kimi-rotator/serve.json}: where the running proxy listens, so that {@code watch} and
 * {@code config} find it (contract section 1). Written (0600) once {@code serve} listens; {@link #close()}
 * removes it, unless another proxy has replaced it since.
 */
public final class ServeFile implements AutoCloseable {
    public static final String FILE_NAME = "serve.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What the file says. */
    public record Info(URI url, long pid, Instant startedAt) {
        public Info {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(startedAt, "startedAt");
        }
    }

    private final Path path;
    private final Info info;

    private ServeFile(Path path, Info info) {
        this.path = path;
        this.info = info;
    }

    /** The file in {@code ownDir} ({@code ConfigPaths.ownDir()}). */
    public static Path path(Path ownDir) {
        return ownDir.resolve(FILE_NAME);
    }

    /**
     * Writes the file for a proxy now listening at {@code info.url()}.
     *
     * @throws KimiException {@code IO_ERROR} when it cannot be written
     */
    public static ServeFile write(Path ownDir, Info info) {
        Path path = path(ownDir);
        PrivateFiles.replace(path, toJson(info));
        return new ServeFile(path, info);
    }

    /**
     * What the file in {@code ownDir} says; empty when there is none, or when it cannot be understood and no proxy
     * holds {@link ServeLock} (then it is only a damaged leftover of a proxy that is gone, which the next
     * {@code serve} replaces).
     *
     * @throws KimiException {@code CORRUPT_FILE} when it cannot be understood while a proxy runs (one line naming
     *     the file), {@code IO_ERROR} when it cannot be read
     */
    public static Optional<Info> read(Path ownDir) {
        return readAt(path(ownDir));
    }

    private static Optional<Info> readAt(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(parse(bytes));
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            if (!ServeLock.isHeld(path.getParent())) {
                return Optional.empty();
            }
            throw new KimiException(ErrorCode.CORRUPT_FILE, "cannot understand " + path + " (written for the running"
                    + " proxy, which holds " + ServeLock.FILE_NAME + "): " + firstLine(e), e);
        }
    }

    private static Info parse(byte[] bytes) throws IOException {
        JsonNode root = MAPPER.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return new Info(URI.create(root.path("url").asText()), root.path("pid").asLong(),
                Instant.parse(root.path("startedAt").asText()));
    }

    /** Jackson's messages go on with the source's position on further lines; errors are one line. */
    private static String firstLine(Exception e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        message = String.valueOf(message);
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    public Path path() {
        return path;
    }

    public Info info() {
        return info;
    }

    /**
     * Removes the file if it still describes this proxy.
     *
     * @throws KimiException {@code IO_ERROR} when it cannot be removed
     */
    @Override
    public void close() {
        if (!readAt(path).equals(Optional.of(info))) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot remove " + path + ": " + e.getMessage(), e);
        }
    }

    private static byte[] toJson(Info info) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("url", info.url().toString());
        root.put("pid", info.pid());
        root.put("startedAt", info.startedAt().toString());
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root).concat("\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
