package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Windows launcher, which cannot run here, read against the Unix one, which the other tests run: the same
 * JVM settings per command, and the same global options whose value is not the command.
 */
class LaunchersIT {
    @TempDir
    Path home;

    @Test
    void theWindowsLauncherGivesServeAndTheOtherCommandsTheUnixLaunchersJvmSettings() throws Exception {
        List<String> unix = all(Pattern.compile("\n  tuning=\"([^\"]*)\"\n"), Files.readString(Launcher.bin("kimi-rotator")));
        List<String> windows = all(Pattern.compile("\n  set \"KIMI_TUNING=([^\"]*)\"\r?\n"), windowsLauncher());

        assertThat(unix).as("bin/kimi-rotator: serve's tuning, then the other commands'").hasSize(2);
        assertThat(unix.get(0)).contains("-Xmn");
        assertThat(windows).as("bin/kimi-rotator.cmd must give each command the flags bin/kimi-rotator gives it: change both")
                .isEqualTo(unix);
        assertThat(windowsLauncher()).contains("if \"%COMMAND_NAME%\"==\"serve\" (")
                .contains("-Dorg.slf4j.simpleLogger.defaultLogLevel=%KIMI_LOG_LEVEL%");
    }

    @Test
    void bothLaunchersSkipTheValueOfEveryGlobalOptionThatTakesOneWhenLookingForTheCommand() throws Exception {
        Launcher.Result help = new Launcher(home).run("--help");
        assertThat(help.exitCode()).isZero();
        Set<String> valued = new TreeSet<>(all(Pattern.compile("\n {6}(--[a-z-]+)=[A-Z]+"), help.out().split("\nCommands:")[0]));
        assertThat(valued).as("the global options with a value, from the help").contains("--config", "--state");

        Set<String> unix = new TreeSet<>();
        for (String names : all(Pattern.compile("\n    ([-a-z|]+)\\) expect=[a-z]+ ;;"), Files.readString(Launcher.bin("kimi-rotator")))) {
            unix.addAll(List.of(names.split("\\|")));
        }
        Set<String> windows = new TreeSet<>(all(Pattern.compile("\nif \"%~1\"==\"(--[a-z-]+)\" goto skip_value"), windowsLauncher()));
        assertThat(unix).as("bin/kimi-rotator").isEqualTo(valued);
        assertThat(windows).as("bin/kimi-rotator.cmd").isEqualTo(valued);
    }

    private static String windowsLauncher() throws java.io.IOException {
        return Files.readString(Launcher.DIST.resolve("bin").resolve("kimi-rotator.cmd"));
    }

    private static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
