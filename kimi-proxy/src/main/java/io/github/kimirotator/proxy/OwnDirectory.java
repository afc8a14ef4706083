package io.github.kimirotator.proxy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code <config dir>/kimi-rotator/}: the folder beside the accounts file that holds kimi-rotator's own files
 * (contract section 1). Created 0700; files in it 0600, written whole or not at all.
 */
public final class OwnDirectory {
    public static final String NAME = "kimi-rotator";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnDirectory() {
    }

    /** The folder for the accounts file {@code accountsFile}. */
    public static Path of(Path accountsFile) {
        Path parent = accountsFile.toAbsolutePath().getParent();
        return parent.resolve(NAME);
    }

    /** Creates {@code dir} (and missing parents) with mode 0700 when it does not exist. */
    static void ensure(Path dir) {
        try {
            if (POSIX) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code content} to {@code target} with mode 0600 through a temporary file beside it, so that
     * readers never see half a file.
     *
     * @param replace whether an existing {@code target} is replaced; when false and it exists, returns false
     *     and leaves it alone
     */
    static boolean writePrivate(Path target, byte[] content, boolean replace) {
        ensure(target.getParent());
        Path tmp = null;
        try {
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp", privateFile());
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

    private static FileAttribute<?>[] privateFile() {
        return POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover hidden temp file is harmless; the write itself already succeeded or failed.
        }
    }
}
