package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestLocalToken {
    @TempDir
    Path ownDir;

    @Test
    void firstUseMakesA256BitTokenInAPrivateFileAndLaterUsesReadIt() throws Exception {
        String token = LocalToken.loadOrCreate(ownDir);

        assertThat(token).matches("[0-9a-f]{64}");
        Path file = LocalToken.path(ownDir);
        assertThat(Files.readString(file)).isEqualTo(token + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(LocalToken.loadOrCreate(ownDir)).isEqualTo(token);
        assertThat(ownDir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
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
