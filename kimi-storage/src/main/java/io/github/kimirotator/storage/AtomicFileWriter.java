package io.github.kimirotator.storage;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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

    /** A temp file of ours older than this belongs to a writer that died (kill -9, power loss). */
    static final Duration STALE_TEMP_AGE = Duration.ofMinutes(1);

    private final Mover mover;
    private final Clock clock;

    AtomicFileWriter() {
        this(ATOMIC_MOVE, Clock.systemUTC());
    }

    AtomicFileWriter(Mover mover) {
        this(mover, Clock.systemUTC());
    }

    /** @param clock judges the age of temp files left behind, by their modification time */
    AtomicFileWriter(Mover mover, Clock clock) {
        this.mover = mover;
        this.clock = clock;
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
            removeStaleTemps(dir, name);
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
            throw new KimiException(ErrorCode.IO_ERROR, "cannot write " + target + ": " + IoErrors.describe(e), e);
        } finally {
            temps.forEach(AtomicFileWriter::deleteQuietly);
        }
    }

    /**
     * Deletes temp files of ours for {@code name} ({@code .<name>.<digits>.tmp}, as {@link SecureFiles} names
     * them) older than {@link #STALE_TEMP_AGE}: a writer killed between creating and renaming one leaves a full
     * copy of the file (keys included) behind. Younger ones may belong to a writer at work and stay.
     */
    private void removeStaleTemps(Path dir, String name) {
        Pattern ours = Pattern.compile("\\." + Pattern.quote(name) + "\\.\\d+\\.tmp");
        long before = clock.millis() - STALE_TEMP_AGE.toMillis();
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir,
                p -> ours.matcher(p.getFileName().toString()).matches())) {
            for (Path temp : temps) {
                if (Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS)
                        && Files.getLastModifiedTime(temp, LinkOption.NOFOLLOW_LINKS).toMillis() < before) {
                    deleteQuietly(temp);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // Tidying up is best effort; the write itself is what matters.
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
