package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestBackupFiles {
    private static final byte[] CONTENT = "backup".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void writesTheFileReadableByTheOwnerOnly() throws IOException {
        Path target = dir.resolve("kimi-keys-backup.json.enc");

        BackupFiles.writeAtomically(target, CONTENT, false);

        assertThat(target).hasBinaryContent(CONTENT);
        assertOwnerOnly(target);
        assertThat(listing()).containsExactly("kimi-keys-backup.json.enc");
    }

    @Test
    void anExistingFileIsKeptWithoutForce() throws IOException {
        Path target = dir.resolve("backup.enc");
        Files.writeString(target, "older backup");

        assertThatThrownBy(() -> BackupFiles.writeAtomically(target, CONTENT, false))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TARGET_EXISTS);
                    assertThat(e.exitCode()).isEqualTo(2);
                })
                .hasMessage(target + " already exists; use --force to overwrite it");
        assertThat(target).hasContent("older backup");
        assertThat(listing()).containsExactly("backup.enc");
    }

    @Test
    void forceReplacesAnExistingFileAndTightensItsMode() throws IOException {
        Path target = dir.resolve("backup.enc");
        Files.writeString(target, "older backup");
        if (Files.getFileStore(target).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        }

        BackupFiles.writeAtomically(target, CONTENT, true);

        assertThat(target).hasBinaryContent(CONTENT);
        assertOwnerOnly(target);
        assertThat(listing()).containsExactly("backup.enc");
    }

    @Test
    void aFailedWriteNamesTheFileAndLeavesNothingBehind() throws IOException {
        Path target = dir.resolve("missing-folder").resolve("backup.enc");

        assertThatThrownBy(() -> BackupFiles.writeAtomically(target, CONTENT, false))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.IO_ERROR))
                .hasMessageStartingWith("cannot write " + target + ": ");
        assertThat(listing()).isEmpty();
    }

    @Test
    void aDirectoryInTheWayIsAnIoErrorEvenWithForce() throws IOException {
        Path target = Files.createDirectory(dir.resolve("backup.enc"));
        Files.writeString(target.resolve("inside"), "x");

        assertThatThrownBy(() -> BackupFiles.writeAtomically(target, CONTENT, true))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.IO_ERROR));
        assertThat(listing()).containsExactly("backup.enc");
    }

    private void assertOwnerOnly(Path file) throws IOException {
        assumeThat(Files.getFileStore(file).supportsFileAttributeView("posix")).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    private java.util.List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
