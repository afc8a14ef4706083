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
    Path configDir;

    private Path accounts() {
        return configDir.resolve("kimi-accounts.json");
    }

    @Test
    void firstUseMakesA256BitTokenInAPrivateFileBesideTheAccountsFileAndLaterUsesReadIt() throws Exception {
        String token = LocalToken.loadOrCreate(accounts());

        assertThat(token).matches("[0-9a-f]{64}");
        Path file = LocalToken.path(accounts());
        assertThat(file).isEqualTo(configDir.resolve("kimi-rotator").resolve("token"));
        assertThat(Files.readString(file)).isEqualTo(token + "\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(file.getParent()))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(LocalToken.loadOrCreate(accounts())).isEqualTo(token);
        assertThat(file.getParent()).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void tokensAreNotRepeated() {
        assertThat(LocalToken.generate()).isNotEqualTo(LocalToken.generate());
    }

    @Test
    void aTokenWrittenByTheUserIsKept() throws Exception {
        Files.createDirectories(LocalToken.path(accounts()).getParent());
        Files.writeString(LocalToken.path(accounts()), "my-own-token\n");

        assertThat(LocalToken.loadOrCreate(accounts())).isEqualTo("my-own-token");
    }

    @Test
    void anEmptyTokenFileIsAnErrorNamingIt() throws Exception {
        Files.createDirectories(LocalToken.path(accounts()).getParent());
        Files.writeString(LocalToken.path(accounts()), "\n");

        assertThatThrownBy(() -> LocalToken.loadOrCreate(accounts()))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                    assertThat(e.getMessage()).contains(LocalToken.path(accounts()).toString());
                });
    }
}
