package io.github.kimirotator.proxy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes the proxy's own files in {@code <config dir>/kimi-rotator/}: 0600 from the moment they exist, and
 * whole or not at all, through a temporary file beside the target.
 */
final class PrivateFiles {

    private PrivateFiles() {
    }

    /**
     * Writes {@code content} to {@code target}.
     *
     * @param replace whether an existing {@code target} is replaced; when false and it exists, nothing is
     *     written and the result is false
     * @throws KimiException {@code IO_ERROR} naming the file when it cannot be written
     */
    static boolean write(Path target, byte[] content, boolean replace) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp", ownerOnly(target));
            Files.write(tmp, content);
            if (replace) {
                moveReplacing(tmp, target);
            } else {
                Files.move(tmp, target);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path target) {
        boolean posix = target.getFileSystem().supportedFileAttributeViews().contains("posix");
        return posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // Only reached when the move failed; the failure itself is what gets reported.
        }
    }
}
