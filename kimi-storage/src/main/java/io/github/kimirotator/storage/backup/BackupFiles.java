package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.PrivateFiles;
import java.nio.file.Path;

/** Writing a backup file so that it is never seen half-written and never readable by others. */
public final class BackupFiles {

    private BackupFiles() {
    }

    /**
     * Writes {@code content} to {@code target} with {@link PrivateFiles}: never half-written, mode 0600, and
     * without {@code force} never over an existing file, even one created at the same moment.
     *
     * @throws KimiException {@link ErrorCode#TARGET_EXISTS} when {@code target} exists and {@code force} is
     *     false; {@link ErrorCode#IO_ERROR} naming the file when writing fails (no temporary file is left)
     */
    public static void writeAtomically(Path target, byte[] content, boolean force) {
        if (force) {
            PrivateFiles.replace(target, content);
        } else if (!PrivateFiles.createIfAbsent(target, content)) {
            throw new KimiException(ErrorCode.TARGET_EXISTS, target + " already exists; use --force to overwrite it");
        }
    }
}
