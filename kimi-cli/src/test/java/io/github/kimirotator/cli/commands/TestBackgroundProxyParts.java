package io.github.kimirotator.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestBackgroundProxyParts {
    @TempDir
    Path dir;

    @Test
    void theLogIsCopiedAsideAndEmptiedInPlaceOnlyBeyondItsLimit() throws Exception {
        Path log = dir.resolve("serve.log");
        Files.writeString(log, "0123456789");
        BackgroundProxy.rotateIfOver(log, 10);
        assertThat(Files.readString(log)).isEqualTo("0123456789");
        assertThat(dir.resolve("serve.log.1")).doesNotExist();

        Files.writeString(log, "first run\n");
        Files.writeString(dir.resolve("serve.log.1"), "an older one");
        Object inode = Files.getAttribute(log, "unix:ino");
        try (var writer = Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.APPEND)) {
            writer.write("more\n");
        }
        BackgroundProxy.rotateIfOver(log, 10);
        assertThat(Files.readString(dir.resolve("serve.log.1"))).isEqualTo("first run\nmore\n");
        assertThat(Files.size(log)).isZero();
        assertThat(Files.getAttribute(log, "unix:ino")).as("the same file, still open in the proxy").isEqualTo(inode);

        BackgroundProxy.rotateIfOver(dir.resolve("absent.log"), 10);
        assertThat(dir.resolve("absent.log")).doesNotExist();
    }

    @Test
    void uptimeReadsAsTwoUnits() {
        assertThat(StatusCommand.format(Duration.ofSeconds(40))).isEqualTo("40s");
        assertThat(StatusCommand.format(Duration.ofSeconds(7 * 60 + 12))).isEqualTo("7m 12s");
        assertThat(StatusCommand.format(Duration.ofMinutes(125))).isEqualTo("2h 5m");
        assertThat(StatusCommand.format(Duration.ofHours(76))).isEqualTo("3d 4h");
        assertThat(StatusCommand.format(Duration.ofSeconds(-3))).as("a clock behind serve.json").isEqualTo("0s");
    }
}
