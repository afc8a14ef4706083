package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestServeFile {
    private static final ServeFile.Info INFO = new ServeFile.Info(URI.create("http://127.0.0.1:8787"), 4242,
            Instant.parse("2026-03-10T10:00:00Z"));

    @TempDir
    Path ownDir;

    @Test
    void writtenPrivateReadBackAndRemovedOnClose() throws Exception {
        try (ServeFile file = ServeFile.write(ownDir, INFO)) {
            assertThat(ServeFile.read(ownDir)).contains(INFO);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
            assertThat(Files.readString(file.path())).contains("\"url\"").contains("\"pid\"").contains("\"startedAt\"");
        }

        assertThat(ServeFile.read(ownDir)).isEmpty();
        assertThat(Files.exists(ServeFile.path(ownDir))).isFalse();
    }

    @Test
    void closeLeavesTheFileOfAProxyThatReplacedThisOne() {
        ServeFile first = ServeFile.write(ownDir, INFO);
        ServeFile.Info second = new ServeFile.Info(URI.create("http://127.0.0.1:9999"), 4343, INFO.startedAt());
        ServeFile.write(ownDir, second);

        first.close();

        assertThat(ServeFile.read(ownDir)).contains(second);
    }

    @Test
    void aBrokenFileIsAnErrorNamingIt() throws Exception {
        Files.writeString(ServeFile.path(ownDir), "{not json");

        assertThatThrownBy(() -> ServeFile.read(ownDir))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                    assertThat(e.getMessage()).contains(ServeFile.path(ownDir).toString());
                });
    }
}
