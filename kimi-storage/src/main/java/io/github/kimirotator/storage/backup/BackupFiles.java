package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Writing a backup file so that it is never seen half-written and never readable by others. */
public final class BackupFiles {

    private BackupFiles() {
    }

    /**
     * Writes {@code content} to {@code target} through a temporary file in the same folder (mode 0600 where
     * the file system has POSIX permissions), synced to disk and then renamed into place atomically.
     *
     * @throws KimiException {@link ErrorCode#TARGET_EXISTS} when {@code target} exists and {@code force} is
     *     false; {@link ErrorCode#IO_ERROR} naming the file when writing fails (no temporary file is left)
     */
    public static void writeAtomically(Path target, byte[] content, boolean force) {
        Path absolute = target.toAbsolutePath();
        if (!force && Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new KimiException(ErrorCode.TARGET_EXISTS,
                    target + " already exists; use --force to overwrite it");
        }
        Path directory = absolute.getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".tmp", ownerOnly(directory));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // Replacing is only reached with force, or when the target appeared since the check above: the
            // user asked for a fresh backup there, and a rename cannot leave a mix of both files.
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            syncDirectory(directory);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? "" : ": " + e.getMessage();
            throw new KimiException(ErrorCode.IO_ERROR,
                    "cannot write " + target + ": " + e.getClass().getSimpleName() + reason, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // The write already failed and says so; a leftover temp file is the lesser problem.
                }
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path directory) {
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            };
        }
        return new FileAttribute<?>[0];
    }

    /** Makes the rename itself durable; only some platforms can open a directory, so elsewhere it is skipped. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory for syncing; the file itself is already synced.
        }
    }
}
