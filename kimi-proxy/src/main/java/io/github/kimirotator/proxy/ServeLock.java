package io.github.kimirotator.proxy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.PrivateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One proxy per accounts file (contract section 1): {@code serve} holds an operating-system lock on
 * {@code <config dir>/kimi-rotator/serve.lock} for as long as it runs. The system releases it when the process
 * ends in any way (even {@code kill -9}), so a held lock means a live proxy, and a {@code serve.json} found while
 * the lock is free was left by a proxy that is gone.
 */
public final class ServeLock implements AutoCloseable {
    public static final String FILE_NAME = "serve.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file in {@code ownDir} ({@code ConfigPaths.ownDir()}). */
    public static Path path(Path ownDir) {
        return ownDir.resolve(FILE_NAME);
    }

    /**
     * Takes the lock if no process holds it.
     *
     * @return the lock, held until {@link #close()} or the end of this process; empty when another proxy (or
     *     this process) holds it
     * @throws KimiException {@code IO_ERROR} when the lock file cannot be opened or locked
     */
    public static Optional<ServeLock> tryAcquire(Path ownDir) {
        Path file = path(ownDir);
        if (!Files.exists(file)) {
            PrivateFiles.createIfAbsent(file, new byte[0]);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new ServeLock(channel, lock));
            }
        } catch (OverlappingFileLockException e) {
            // This process holds it already.
        } catch (IOException e) {
            closeQuietly(channel);
            throw new KimiException(ErrorCode.IO_ERROR, "cannot lock " + file + ": " + e.getMessage(), e);
        }
        closeQuietly(channel);
        return Optional.empty();
    }

    /**
     * Whether a proxy holds the lock now (this process included).
     *
     * @throws KimiException {@code IO_ERROR} when the lock file cannot be opened or locked
     */
    public static boolean isHeld(Path ownDir) {
        Optional<ServeLock> probe = tryAcquire(ownDir);
        probe.ifPresent(ServeLock::close);
        return probe.isEmpty();
    }

    /** Releases the lock. Idempotent. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // Closing the channel below releases it as well.
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing is written through this channel.
        }
    }
}
