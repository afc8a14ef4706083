package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's class-data-sharing archive and install.sh. */
class StartupIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void firstRunWritesTheArchiveLaterRunsUseItAndNothingIsPrinted() throws Exception {
        Launcher cli = new Launcher(home);
        Launcher.Result first = cli.run("add-key", "sk-kimi-STARTUPSTARTUPSTARTUP000000", "S");
        assertThat(first.out()).isEqualTo("Added key [0] S (sk-kimi-...0000)\n");
        assertThat(first.err()).isEmpty();
        Path cache = home.resolve(".config/opencode/kimi-rotator/cache");
        try (Stream<Path> archives = Files.list(cache)) {
            assertThat(archives.filter(p -> p.toString().endsWith(".jsa"))).hasSize(1);
        }

        Path log = home.resolve("classes.log");
        Launcher.Result json = cli.env("JAVA_OPTS", "-Xlog:class+load=info:file=" + log).run("--json", "list-keys");
        assertThat(json.exitCode()).isZero();
        assertThat(JSON.readTree(json.out()).get("keys")).hasSize(1);
        assertThat(json.err()).isEmpty();
        assertThat(Files.readString(log)).contains("io.github.kimirotator.cli.KimiRotatorCli source: shared objects file (top)");
    }

    @Test
    void archiveIsNotMadeWhenTurnedOff() throws Exception {
        Launcher cli = new Launcher(home).env("KIMI_ROTATOR_NO_CDS", "1");
        Launcher.Result r = cli.run("list-keys");
        assertThat(r.exitCode()).isZero();
        assertThat(home.resolve(".config/opencode/kimi-rotator/cache")).doesNotExist();
    }

    @Test
    void installLinksTheLaunchers() throws Exception {
        Launcher cli = new Launcher(home);
        Path bin = home.resolve("bin");
        Launcher.Result r = cli.runProgram(Launcher.DIST.resolve("install.sh"), null, bin.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Linked kimi-rotator and opencode-kimi into " + bin);
        assertThat(Files.isSymbolicLink(bin.resolve("kimi-rotator"))).isTrue();
        Launcher.Result viaLink = cli.runProgram(bin.resolve("opencode-kimi"), null, "--version");
        assertThat(viaLink.exitCode()).isZero();
        assertThat(viaLink.out().strip()).isEqualTo("kimi-rotator " + System.getProperty("kimi.version"));
    }
}
