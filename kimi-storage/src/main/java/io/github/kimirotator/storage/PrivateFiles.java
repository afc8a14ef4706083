package io.github.kimirotator.storage;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Small files that only their owner may read (backups, the proxy's token, serve.json), written so that a
 * reader or a crash sees the old content or the new, never part of it: a 0600 temp file beside the target,
 * forced to disk, then renamed or linked into place. The folder must exist: a typo in a path is an error,
 * not a new folder.
 */
public final class PrivateFiles {

    private PrivateFiles() {
    }

    /**
     * Writes {@code content} to {@code target}, replacing what is there.
     *
     * @throws KimiException {@link ErrorCode#IO_ERROR} naming the file; no temp file is left
     */
    public static void replace(Path target, byte[] content) {
        write(target, content, true);
    }

    /**
     * Writes {@code content} to {@code target} only if no file is there, atomically: of two processes racing,
     * exactly one wins and the other's content is never seen.
     *
     * @return whether the file was written; {@code false} when {@code target} already existed
     * @throws KimiException {@link ErrorCode#IO_ERROR} naming the file; no temp file is left
     */
    public static boolean createIfAbsent(Path target, byte[] content) {
        return write(target, content, false);
    }

    /** A hard link fails if the name exists, in one step; a check-then-rename would not. */
    private static void linkIfAbsent(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (UnsupportedOperationException e) {
            Files.move(temp, target);
        }
    }

    private static boolean write(Path target, byte[] content, boolean replace) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = null;
        try {
            temp = SecureFiles.createTempFile(dir, absolute.getFileName().toString());
            SecureFiles.writeDurably(temp, content);
            if (replace) {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                temp = null;
            } else {
                linkIfAbsent(temp, absolute);
            }
            SecureFiles.syncDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            // Java names the temp file it could not make; the user knows the target and its folder.
            String why = e instanceof NoSuchFileException && !Files.isDirectory(dir) ? "the folder " + dir + " does not exist"
                    : IoErrors.describe(e);
            throw new KimiException(ErrorCode.IO_ERROR, "cannot write " + target + ": " + why, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // A leftover dot-file does no harm; the outcome that matters is already decided.
                }
            }
        }
    }
}
