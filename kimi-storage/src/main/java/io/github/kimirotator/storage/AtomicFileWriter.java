package io.github.kimirotator.storage;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces a file so that a reader, a crash or a full disk sees either the old or the new content, never a
 * mix: the new content goes to a 0600 temp file beside the target, is forced to disk, and is renamed over the
 * target. The old content is kept as {@code <file>.bak} (0600), replaced the same way.
 */
final class AtomicFileWriter {

    /** The rename step; a seam so that tests can make it fail. */
    @FunctionalInterface
    interface Mover {
        void move(Path source, Path target) throws IOException;
    }

    static final Mover ATOMIC_MOVE = (source, target) -> Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);

    private final Mover mover;

    AtomicFileWriter() {
        this(ATOMIC_MOVE);
    }

    AtomicFileWriter(Mover mover) {
        this.mover = mover;
    }

    static Path backupOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".bak");
    }

    /**
     * Replaces {@code target}'s content with {@code content}, keeping its previous content in the backup.
     *
     * @throws KimiException {@link ErrorCode#IO_ERROR}; {@code target} is then unchanged and no temp file is left
     */
    void write(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        String name = target.getFileName().toString();
        List<Path> temps = new ArrayList<>(2);
        try {
            SecureFiles.createDirectories(dir);
            Path next = SecureFiles.createTempFile(dir, name);
            temps.add(next);
            SecureFiles.writeDurably(next, content);
            if (Files.exists(target)) {
                Path backup = SecureFiles.createTempFile(dir, name);
                temps.add(backup);
                SecureFiles.writeDurably(backup, Files.readAllBytes(target));
                mover.move(backup, backupOf(target));
            }
            mover.move(next, target);
            SecureFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "could not write " + target + ": " + IoErrors.describe(e), e);
        } finally {
            temps.forEach(AtomicFileWriter::deleteQuietly);
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The write already failed or succeeded; a leftover dot-file does no harm and the error that matters
            // is the one being thrown.
        }
    }
}
