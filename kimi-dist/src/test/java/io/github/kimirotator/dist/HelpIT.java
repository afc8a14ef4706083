package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Help and usage through the built launchers, as a new user first meets them. */
class HelpIT {

    @TempDir
    Path home;

    @Test
    void everyCommandAnswersHelpAndNoArgumentsPrintsTheOverview() throws Exception {
        Launcher cli = new Launcher(home);

        Launcher.Result serve = cli.run("serve", "--help");
        assertThat(serve.exitCode()).as(serve.err()).isZero();
        assertThat(serve.out()).startsWith("Usage: kimi-rotator serve").contains("--port=P").contains("KIMI_ROTATOR_UPSTREAM");

        Launcher.Result addKey = cli.run("add-key", "-h");
        assertThat(addKey.exitCode()).as(addKey.err()).isZero();
        assertThat(addKey.out()).startsWith("Usage: kimi-rotator add-key").contains("KEY ").contains("NAME");

        Launcher.Result overview = cli.run();
        assertThat(overview.exitCode()).as(overview.err()).isZero();
        assertThat(overview.out()).startsWith("Usage: kimi-rotator").contains("Commands:").contains("import-keys");
        assertThat(overview.err()).isEmpty();
        assertThat(cli.accountsFile()).doesNotExist();
    }

    @Test
    void theSeedsCommandNamesItself() throws Exception {
        Launcher cli = new Launcher(home);
        Path alias = Launcher.bin("opencode-kimi");

        Launcher.Result overview = cli.runProgram(alias, null);
        assertThat(overview.exitCode()).isZero();
        assertThat(overview.out()).startsWith("Usage: opencode-kimi").doesNotContain("kimi-rotator COMMAND");

        Launcher.Result missing = cli.runProgram(alias, null, "add-key");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("error: missing KEY (see 'opencode-kimi add-key --help')\n");
    }
}
