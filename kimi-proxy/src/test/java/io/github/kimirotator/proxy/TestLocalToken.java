package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.ConfigPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestLocalToken {
    @TempDir
    Path configDir;

    private Path ownDir;

    /** What {@code ConfigPaths.ownDir()} gives for an accounts file in {@code configDir}, created 0700. */
    @BeforeEach
    void createOwnDir() {
        ownDir = new ConfigPaths(configDir.resolve("kimi-accounts.json").toString(), Map.of(), configDir).ownDir();
    }

    @Test
    void firstUseMakesA256BitTokenInAPrivateFileInTheOwnDirAndLaterUsesReadIt() throws Exception {
        String token = LocalToken.loadOrCreate(ownDir);

        assertThat(token).matches("[0-9a-f]{64}");
        Path file = LocalToken.path(ownDir);
        assertThat(file).isEqualTo(configDir.resolve("kimi-rotator").resolve("token"));
        assertThat(Files.readString(file)).isEqualTo(token + "\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(LocalToken.loadOrCreate(ownDir)).isEqualTo(token);
        assertThat(file.getParent()).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void tokensAreNotRepeated() {
        assertThat(LocalToken.generate()).isNotEqualTo(LocalToken.generate());
    }

    @Test
    void aTokenWrittenByTheUserIsKept() throws Exception {
        Files.writeString(LocalToken.path(ownDir), "my-own-token\n");

        assertThat(LocalToken.loadOrCreate(ownDir)).isEqualTo("my-own-token");
    }

    @Test
    void anEmptyTokenFileIsAnErrorNamingIt() throws Exception {
        Files.writeString(LocalToken.path(ownDir), "\n");

        assertThatThrownBy(() -> LocalToken.loadOrCreate(ownDir))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                    assertThat(e.getMessage()).contains(LocalToken.path(ownDir).toString());
                });
    }
}
