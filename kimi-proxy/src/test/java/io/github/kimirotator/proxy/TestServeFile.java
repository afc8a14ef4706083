package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.storage.ConfigPaths;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestServeFile {
    private static final ServeFile.Info INFO = new ServeFile.Info(URI.create("http://127.0.0.1:8787"), 4242,
            Instant.parse("2026-03-10T10:00:00Z"));

    @TempDir
    Path configDir;

    private Path ownDir;

    /** What {@code ConfigPaths.ownDir()} gives for an accounts file in {@code configDir}, created 0700. */
    @BeforeEach
    void createOwnDir() {
        ownDir = new ConfigPaths(configDir.resolve("kimi-accounts.json").toString(), Map.of(), configDir).ownDir();
    }

    @Test
    void writtenPrivateReadBackAndRemovedOnClose() throws Exception {
        try (ServeFile file = ServeFile.write(ownDir, INFO)) {
            assertThat(file.path()).isEqualTo(configDir.resolve("kimi-rotator").resolve("serve.json"));
            assertThat(ServeFile.read(ownDir)).contains(INFO);
            assertThat(Files.getPosixFilePermissions(file.path()))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
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
    void aBrokenFileWhileAProxyRunsIsAnErrorOfOneLineNamingIt() throws Exception {
        try (ServeLock held = ServeLock.tryAcquire(ownDir).orElseThrow()) {
            for (String broken : new String[] {"{not json", "[1, 2]", "{\"url\": \"http://x\", \"startedAt\": \"yesterday\"}",
                    "\u0000\u0001"}) {
                Files.writeString(ServeFile.path(ownDir), broken);

                assertThatThrownBy(() -> ServeFile.read(ownDir))
                        .as(broken)
                        .isInstanceOfSatisfying(KimiException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                            assertThat(e.getMessage()).contains(ServeFile.path(ownDir).toString())
                                    .contains("serve.lock").doesNotContain("\n");
                        });
            }
        }
    }

    @Test
    void aBrokenFileWithNoProxyRunningIsALeftoverThatCountsAsNone() throws Exception {
        Files.writeString(ServeFile.path(ownDir), "{\"url\": \"http://127.0.0.1:8787\", \"pi");

        assertThat(ServeFile.read(ownDir)).isEmpty();

        ServeFile.write(ownDir, INFO);
        assertThat(ServeFile.read(ownDir)).contains(INFO);
    }
}
