package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestConfigPaths {
    @TempDir
    Path home;

    @Test
    void defaultIsTheSeedFileUnderHome() {
        ConfigPaths paths = new ConfigPaths(null, Map.of(), home);

        assertThat(paths.accountsFile()).isEqualTo(home.resolve(".config/opencode/kimi-accounts.json"));
        assertThat(paths.configDir()).isEqualTo(home.resolve(".config/opencode"));
    }

    @Test
    void environmentOverridesTheDefault() {
        Path file = home.resolve("team/accounts.json");

        ConfigPaths paths = new ConfigPaths(null, Map.of(ConfigPaths.CONFIG_ENV, file.toString()), home);

        assertThat(paths.accountsFile()).isEqualTo(file);
        assertThat(paths.configDir()).isEqualTo(home.resolve("team"));
    }

    @Test
    void explicitOptionOverridesTheEnvironment() {
        Path file = home.resolve("cli.json");

        ConfigPaths paths = new ConfigPaths(file.toString(),
                Map.of(ConfigPaths.CONFIG_ENV, home.resolve("env.json").toString()), home);

        assertThat(paths.accountsFile()).isEqualTo(file);
    }

    @Test
    void blankValuesCountAsUnset() {
        ConfigPaths paths = new ConfigPaths("  ", Map.of(ConfigPaths.CONFIG_ENV, ""), home);

        assertThat(paths.accountsFile()).isEqualTo(home.resolve(".config/opencode/kimi-accounts.json"));
    }

    @Test
    void relativePathIsMadeAbsoluteAndTildeIsHome() {
        assertThat(new ConfigPaths("x/../accounts.json", Map.of(), home).accountsFile())
                .isEqualTo(Path.of("accounts.json").toAbsolutePath());
        assertThat(new ConfigPaths(null, Map.of(ConfigPaths.CONFIG_ENV, "~/k/a.json"), home).accountsFile())
                .isEqualTo(home.resolve("k/a.json"));
    }

    @Test
    void ownDirIsCreatedOwnerOnlyOnDemand() throws IOException {
        ConfigPaths paths = new ConfigPaths(null, Map.of(), home);
        Path expected = home.resolve(".config/opencode/kimi-rotator");
        assertThat(expected).doesNotExist();

        assertThat(paths.ownDir()).isEqualTo(expected).isDirectory();
        assertThat(paths.ownDir()).isEqualTo(expected);

        assumeThat(home.getFileSystem().supportedFileAttributeViews()).contains("posix");
        for (Path created : new Path[] {home.resolve(".config"), home.resolve(".config/opencode"), expected}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rwx------");
        }
    }
}
