package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code service install/uninstall} through the launcher: the systemd user unit and the commands that enable it. */
class ServiceIT {
    @TempDir
    Path home;

    @Test
    void installWritesAUnitThatSystemdAcceptsAndPrintsHowToEnableIt() throws Exception {
        Launcher cli = new Launcher(home).env("XDG_CONFIG_HOME", null);
        Launcher.Result install = cli.run("service", "install");
        assertThat(install.exitCode()).as(install.err()).isZero();
        Path unit = home.resolve(".config/systemd/user/kimi-rotator.service");
        Path launcher = Launcher.bin("kimi-rotator").toRealPath();
        assertThat(install.out()).startsWith("Wrote the systemd user unit " + unit + "\n")
                .contains("  systemctl --user daemon-reload\n  systemctl --user enable --now kimi-rotator.service\n");
        assertThat(Files.readString(unit))
                .contains("ExecStart=\"" + launcher + "\" --config \"" + cli.accountsFile() + "\" serve\n")
                .contains("Restart=on-failure\n")
                .contains("WantedBy=default.target\n");

        String verify = verify(unit);
        assertThat(verify).as("systemd-analyze verify output").isEmpty();

        Launcher.Result uninstall = cli.env("PATH", "/nonexistent:" + System.getenv("PATH")).run("service", "uninstall");
        assertThat(uninstall.exitCode()).isZero();
        assertThat(unit).doesNotExist();
    }

    @Test
    void theServeOptionsGivenToInstallAreTheServicesAndABadOneWritesNothing() throws Exception {
        Launcher cli = new Launcher(home).env("XDG_CONFIG_HOME", null).env("KIMI_ROTATOR_UPSTREAM", "http://127.0.0.1:9/v")
                .env("KIMI_ROTATOR_STATE", "redis://127.0.0.1:6390/3");
        Path unit = home.resolve(".config/systemd/user/kimi-rotator.service");
        Launcher.Result bad = cli.run("service", "install", "--port", "70000");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: invalid port 70000: ");
        assertThat(unit).doesNotExist();

        Launcher.Result install = cli.run("--state-prefix", "team-a:", "service", "install", "--port", "4000", "--no-auth");
        assertThat(install.exitCode()).as(install.err()).isZero();
        String text = Files.readString(unit);
        assertThat(text).contains("ExecStart=\"" + Launcher.bin("kimi-rotator").toRealPath() + "\" --config \"" + cli.accountsFile()
                        + "\" --state-prefix \"team-a:\" serve --port \"4000\" --upstream \"http://127.0.0.1:9/v\" --no-auth\n")
                .contains("Environment=\"KIMI_ROTATOR_STATE=redis://127.0.0.1:6390/3\"\n");
        assertThat(Files.getPosixFilePermissions(unit)).as("the unit may hold a Redis password")
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(verify(unit)).as("systemd-analyze verify output").isEmpty();
    }

    @Test
    void enableRunsTheCommandsAndAFailingOneIsAnError() throws Exception {
        // A systemctl of our own records what it was asked; no user manager is needed.
        Path bin = Files.createDirectories(home.resolve("fake-bin"));
        Path calls = home.resolve("systemctl.calls");
        Path systemctl = bin.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n[ ! -e '" + home.resolve("fail") + "' ]\n");
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwx------"));
        Launcher cli = new Launcher(home).env("PATH", bin + ":" + System.getenv("PATH"))
                .env("XDG_CONFIG_HOME", home.resolve("xdg").toString());

        Launcher.Result enable = cli.run("service", "install", "--enable");
        assertThat(enable.exitCode()).as(enable.err()).isZero();
        assertThat(home.resolve("xdg/systemd/user/kimi-rotator.service")).exists();
        assertThat(Files.readAllLines(calls)).containsExactly("--user daemon-reload", "--user enable --now kimi-rotator.service");

        Launcher.Result uninstall = cli.run("service", "uninstall");
        assertThat(uninstall.exitCode()).isZero();
        assertThat(Files.readAllLines(calls)).endsWith("--user disable --now kimi-rotator.service");
        assertThat(home.resolve("xdg/systemd/user/kimi-rotator.service")).doesNotExist();

        Files.createFile(home.resolve("fail"));
        Launcher.Result failed = cli.run("service", "install", "--enable");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).isEqualTo("error: 'systemctl --user daemon-reload' failed with exit code 1\n");
    }

    /** {@code systemd-analyze verify UNIT}'s output (empty when all is well); skipped without it, except on CI. */
    private static String verify(Path unit) throws Exception {
        boolean present = new ProcessBuilder("sh", "-c", "command -v systemd-analyze").start().waitFor() == 0;
        if (!present) {
            assertThat(System.getenv("CI")).as("systemd-analyze must be installed on CI (Debian package systemd)").isNotEqualTo("true");
            assumeTrue(false, "systemd-analyze is not installed (Debian package systemd): the unit is not verified");
        }
        Process process = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return output.strip();
    }
}
