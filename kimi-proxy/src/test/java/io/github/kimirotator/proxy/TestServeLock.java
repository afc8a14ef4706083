package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.storage.ConfigPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestServeLock {
    @TempDir
    Path configDir;

    @Test
    void heldByOneAtATimeAndFreeAgainOnClose() throws Exception {
        Path ownDir = new ConfigPaths(configDir.resolve("kimi-accounts.json").toString(), Map.of(), configDir).ownDir();
        assertThat(ServeLock.isHeld(ownDir)).isFalse();

        Optional<ServeLock> first = ServeLock.tryAcquire(ownDir);
        assertThat(first).isPresent();
        assertThat(Files.getPosixFilePermissions(ServeLock.path(ownDir))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(ServeLock.tryAcquire(ownDir)).as("a second holder").isEmpty();
        assertThat(ServeLock.isHeld(ownDir)).isTrue();

        first.get().close();
        first.get().close();
        assertThat(ServeLock.isHeld(ownDir)).isFalse();
        try (ServeLock again = ServeLock.tryAcquire(ownDir).orElseThrow()) {
            assertThat(ServeLock.isHeld(ownDir)).isTrue();
        }
    }
}
