package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's start-up archive (dynamic class-data sharing), its Java checks and install.sh. The archive is made by a detached background process; each test waits for that process
 * (a bounded poll) before it ends. A "recording" Java is a JAVA_HOME whose bin/java notes its arguments,
 * then runs the real one (or, for the training run, pretends to).
 */
class StartupIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY_A = "sk-kimi-STARTUPSTARTUPSTARTUP00000A";
    static final String KEY_B = "sk-kimi-STARTUPSTARTUPSTARTUP00000B";
    static final String TRAINING = "io.github.kimirotator.cli.ArchiveTraining";
    /**
     * Classes `list-keys` may load, the JDK's included, with the archive in use (Java 17). Measured: about 2,800
     * with the Guice injector and databind, 1,375 after the start-up work, about 1,130 with the commands' models
     * built in code (over 10 keys); the budget leaves room for small changes, not for a library's worth of
     * classes (Guice and Guava alone are ~550, databind ~300) nor for annotation reflection's machinery (~100).
     */
    static final int LIST_KEYS_CLASS_BUDGET = 1_250;
    /** The same on Java 25, whose own start-up loads about 170 more JDK classes: 1,300 measured (over 10 keys). */
    static final int LIST_KEYS_CLASS_BUDGET_JAVA_25 = 1_550;
    static final long MAKER_TIMEOUT_SECONDS = 180;

    @TempDir
    Path home;

    private Launcher withArchive() {
        return new Launcher(home).env("KIMI_ROTATOR_NO_CDS", null);
    }

    private Path defaultCache() {
        return home.resolve(".config/opencode/kimi-rotator/cache");
    }

    @Test
    void firstRunLeavesTheArchiveToABackgroundProcessAndLaterRunsLoadTheCliFromIt() throws Exception {
        Path java17 = Path.of(System.getProperty("java.home"));
        Path recorder = recordingJava(java17, false);
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString());

        Launcher.Result first = cli.run("add-key", KEY_A, "S");
        assertThat(first.out()).isEqualTo("Added key [0] S (sk-kimi-...000A)\n");
        assertThat(first.err()).isEmpty();
        Path archive = awaitArchive(defaultCache(), ".jsa");

        List<String> runs = invocations(recorder);
        assertThat(runs).hasSize(2);
        String command = runs.stream().filter(r -> r.contains("KimiRotatorCli add-key")).findFirst().orElseThrow();
        assertThat(command).as("the user's command makes no archive").doesNotContain("ArchiveClassesAtExit");
        String maker = runs.stream().filter(r -> r.contains(TRAINING)).findFirst().orElseThrow();
        assertThat(maker).contains("-XX:ArchiveClassesAtExit=" + archive + ".");

        assertCliComesFromTheArchive(cli, "shared objects file (top)", LIST_KEYS_CLASS_BUDGET);
        assertNothingOnStderr(cli);
    }

    @Test
    void onJava25TheArchiveIsMadeAndUsedAndNothingIsPrintedOnStderr() throws Exception {
        Optional<Path> java25 = java25();
        if (java25.isEmpty()) {
            assertThat(System.getenv("CI")).as("Java 25 must be installed on CI (.ci/run)").isNotEqualTo("true");
            assumeTrue(false, "no Java 25 found (set KIMI_JAVA25_HOME); skipped");
        }
        Launcher cli = withArchive().env("JAVA_HOME", java25.get().toString());
        Launcher.Result first = cli.run("add-key", KEY_A, "S");
        assertThat(first.err()).isEmpty();
        assertThat(awaitArchive(defaultCache(), ".jsa").getFileName().toString()).startsWith("cli-0").contains("-java25");

        assertCliComesFromTheArchive(cli, "shared objects file (top)", LIST_KEYS_CLASS_BUDGET_JAVA_25);
        assertNothingOnStderr(cli);
    }

    @Test
    void concurrentFirstRunsMakeOneWholeArchive() throws Exception {
        assertThat(new Launcher(home).run("add-key", KEY_A, "S").exitCode()).isZero();
        Path recorder = recordingJava(Path.of(System.getProperty("java.home")), false);
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString());
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            processes.add(cli.start(Launcher.bin("kimi-rotator"), "list-keys"));
        }
        for (Process p : processes) {
            Launcher.Result r = Launcher.finish(p);
            assertThat(r.exitCode()).isZero();
            assertThat(r.err()).isEmpty();
        }
        Path archive = awaitArchive(defaultCache(), ".jsa");
        assertThat(invocations(recorder).stream().filter(r -> r.contains(TRAINING))).as("one maker").hasSize(1);
        assertThat(list(defaultCache())).containsExactly(archive);
        assertCliComesFromTheArchive(cli, "shared objects file (top)", LIST_KEYS_CLASS_BUDGET);
    }

    @Test
    void aMakerThatFailsLeavesNoArchiveAndIsNotTriedAgainOnEveryCommand() throws Exception {
        // The recording Java writes half an archive to the temporary file, then fails as a killed JVM would.
        Path recorder = recordingJava(Path.of(System.getProperty("java.home")), true);
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString()).env("HALF_ARCHIVE", "1");
        assertThat(cli.run("list-keys").exitCode()).isZero();
        awaitMakerDone(defaultCache(), recorder, 1);
        assertThat(list(defaultCache())).as("no archive, no temporary file, no lock: only the failure's mark")
                .singleElement().satisfies(p -> assertThat(p.getFileName().toString()).startsWith("cli-").endsWith(".jsa.failed"));

        Launcher.Result again = cli.run("list-keys");
        assertThat(again.exitCode()).isZero();
        assertThat(again.err()).isEmpty();
        assertThat(invocations(recorder).stream().filter(r -> r.contains(TRAINING))).as("no second maker within the hour").hasSize(1);
        assertThat(invocations(recorder).stream().filter(r -> r.contains("KimiRotatorCli list-keys"))).hasSize(2);
    }

    @Test
    void theArchiveFollowsTheConfigDirectoryNotHome() throws Exception {
        Path recorder = recordingJava(Path.of(System.getProperty("java.home")), true);
        Path userHome = Files.createDirectory(home.resolve("user-home"));
        Path shellHome = Files.createDirectory(home.resolve("shell-home"));
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString()).env("HOME", shellHome.toString())
                .env("KIMI_ROTATOR_OPTS", "-Duser.home=" + userHome);

        cli.run("list-keys");
        assertThat(awaitMakerDone(userHome.resolve(".config/opencode/kimi-rotator/cache"), recorder, 1))
                .contains("-XX:ArchiveClassesAtExit=" + userHome.resolve(".config/opencode/kimi-rotator/cache/cli-"));

        Path configured = home.resolve("configured/accounts.json");
        cli.run("--config", configured.toString(), "list-keys");
        assertThat(awaitMakerDone(home.resolve("configured/kimi-rotator/cache"), recorder, 2))
                .contains("-XX:ArchiveClassesAtExit=" + home.resolve("configured/kimi-rotator/cache/cli-"));

        Path fromVariable = home.resolve("from-variable/accounts.json");
        cli.env("KIMI_ROTATOR_CONFIG", fromVariable.toString()).run("stats");
        assertThat(awaitMakerDone(home.resolve("from-variable/kimi-rotator/cache"), recorder, 3))
                .contains("-XX:ArchiveClassesAtExit=" + home.resolve("from-variable/kimi-rotator/cache/cli-"));

        assertThat(list(shellHome)).as("nothing under $HOME").isEmpty();
    }

    @Test
    void serveHasAnArchiveOfItsOwnOnItsLongerClassPath() throws Exception {
        Path recorder = recordingJava(Path.of(System.getProperty("java.home")), true);
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString());
        // A serve that stops at once (a bad port) still has its archive made, by a proxy started for training.
        assertThat(cli.run("serve", "--port", "not-a-port").exitCode()).isEqualTo(2);
        String maker = awaitMakerDone(defaultCache(), recorder, 1);
        assertThat(maker).contains("-XX:ArchiveClassesAtExit=" + defaultCache().resolve("serve-"))
                .contains("/lib/proxy/jetty-server-").endsWith(TRAINING + " serve");
        String command = invocations(recorder).stream().filter(r -> r.contains("KimiRotatorCli")).findFirst().orElseThrow();
        assertThat(command).contains("/lib/proxy/jetty-server-");
        String listKeys = cli.run("list-keys").err();
        assertThat(listKeys).isEmpty();
        assertThat(invocations(recorder).stream().filter(r -> r.contains("KimiRotatorCli list-keys")).findFirst().orElseThrow())
                .as("the CLI's class path has no proxy-only jar").doesNotContain("/lib/proxy/");
        awaitMakerDone(defaultCache(), recorder, 2);
    }

    @Test
    void commandsThatReadAPasswordStartNoMaker() throws Exception {
        Path recorder = recordingJava(Path.of(System.getProperty("java.home")), true);
        Launcher cli = withArchive().env("JAVA_HOME", recorder.toString());
        cli.runWithInput("short\n", "export-keys", home.resolve("b.enc").toString(), "--password-stdin");
        cli.runWithInput("password\n", "import-keys", home.resolve("missing.enc").toString(), "--password-stdin");
        assertThat(invocations(recorder)).hasSize(2).noneMatch(r -> r.contains(TRAINING));
        assertThat(defaultCache()).doesNotExist();
    }

    @Test
    void aJavaHomeThatIsNoJavaIsRefusedNamingIt() throws Exception {
        Path missing = home.resolve("no-such-jdk");
        Launcher.Result r = new Launcher(home).env("JAVA_HOME", missing.toString()).run("list-keys");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("error: JAVA_HOME is set to '" + missing + "', which does not exist; point JAVA_HOME"
                + " at a Java 17 or newer, or unset it to use the java on the PATH\n");

        Path notAJdk = Files.createDirectory(home.resolve("not-a-jdk"));
        Launcher.Result empty = new Launcher(home).env("JAVA_HOME", notAJdk.toString()).run("list-keys");
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).startsWith("error: JAVA_HOME is set to '" + notAJdk + "', which has no bin/java;");
    }

    @Test
    void archiveIsNotMadeWhenTurnedOff() throws Exception {
        Launcher cli = new Launcher(home);
        Launcher.Result r = cli.run("list-keys");
        assertThat(r.exitCode()).isZero();
        assertThat(home.resolve(".config/opencode/kimi-rotator/cache")).doesNotExist();
    }

    @Test
    void installLinksTheLaunchersAndMakesTheArchive() throws Exception {
        Launcher cli = withArchive();
        Path bin = home.resolve("bin");
        Launcher.Result r = cli.runProgram(Launcher.DIST.resolve("install.sh"), null, bin.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Linked kimi-rotator and opencode-kimi into " + bin);
        assertThat(Files.isSymbolicLink(bin.resolve("kimi-rotator"))).isTrue();
        try (Stream<Path> files = Files.list(defaultCache())) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().satisfies(name -> assertThat(name).endsWith(".jsa"));
        }
        Launcher.Result viaLink = cli.runProgram(bin.resolve("opencode-kimi"), null, "--version");
        assertThat(viaLink.exitCode()).isZero();
        assertThat(viaLink.out().strip()).isEqualTo("kimi-rotator " + System.getProperty("kimi.version"));
    }

    /**
     * `list-keys` loads the CLI's classes from the archive, no Guice or Jetty class, no class made for annotation
     * reflection, and stays in budget; a command that writes loads none of what writing used to cost.
     */
    private void assertCliComesFromTheArchive(Launcher cli, String source, int budget) throws Exception {
        Path log = home.resolve("classes.log");
        Files.deleteIfExists(log);
        Launcher.Result text = cli.env("JAVA_OPTS", "-Xlog:class+load=info:file=" + log).run("list-keys");
        cli.env("JAVA_OPTS", null);
        assertThat(text.exitCode()).isZero();
        assertThat(text.err()).isEmpty();
        List<String> lines = Files.readAllLines(log);
        for (String cls : List.of("io.github.kimirotator.cli.KimiRotatorCli", "io.github.kimirotator.cli.commands.ListKeysCommand",
                "picocli.CommandLine", "picocli.CommandLine$Model$CommandSpec", "io.github.kimirotator.storage.AccountsFile",
                "com.fasterxml.jackson.core.JsonFactory")) {
            assertThat(lines).as(cls).anyMatch(l -> l.contains(" " + cls + " source: " + source));
        }
        assertThat(lines).noneMatch(l -> l.contains("com.google.inject.") || l.contains("org.eclipse.jetty."));
        // Java's annotation reflection makes a proxy class per annotation type, which no archive keeps: the
        // commands' models are built in code. picocli's converters for java.sql types are left out.
        assertThat(lines).as("no dynamic proxy class").noneMatch(l -> l.contains("__dynamic_proxy__"));
        assertThat(lines).as("no java.sql class").noneMatch(l -> l.contains(" java.sql."));
        // A command that succeeds ends without System.exit, which on Java 21 and later looks for a logging backend
        // (a service lookup through every jar).
        assertThat(lines).as("no logger backend lookup at exit").noneMatch(l -> l.contains("BootstrapLogger$DetectBackend"));
        assertThat(lines.stream().filter(l -> l.contains("[class,load]"))).hasSizeLessThanOrEqualTo(budget);

        // A command that writes the file: no record equals generated at run time (method-handle code no archive
        // keeps) and no SecureRandom (the security providers) for the temporary file's name.
        Files.deleteIfExists(log);
        Launcher.Result write = cli.env("JAVA_OPTS", "-Xlog:class+load=info:file=" + log).run("set-cooldown", "45");
        cli.env("JAVA_OPTS", null);
        assertThat(write.exitCode()).as(write.err()).isZero();
        assertThat(Files.readAllLines(log)).noneMatch(l -> l.contains(" java.lang.runtime.ObjectMethods ")
                || l.contains(" java.security.SecureRandom ") || l.contains("__dynamic_proxy__"));
    }

    /** Every everyday command, with the archive in use: exit 0 and not a byte on stderr. */
    private void assertNothingOnStderr(Launcher cli) throws Exception {
        List<List<String>> commands = List.of(
                List.of("add-key", KEY_B, "T"), List.of("list-keys"), List.of("--json", "list-keys"), List.of("stats"),
                List.of("--json", "stats"), List.of("use-key", "1"), List.of("rotate"), List.of("strategies"),
                List.of("set-strategy", "sticky"), List.of("refresh-health"), List.of("set-cooldown", "45"),
                List.of("set-auto-refresh", "false"), List.of("clear-limits", "all"), List.of("remove-key", "1"),
                List.of("--version"), List.of("--help"));
        for (List<String> command : commands) {
            Launcher.Result r = cli.run(command.toArray(new String[0]));
            assertThat(r.exitCode()).as(command + ": " + r.err()).isZero();
            assertThat(r.err()).as(String.join(" ", command)).isEmpty();
        }
    }

    /** Waits for the background maker to finish and leave the archive; returns it. */
    private static Path awaitArchive(Path cache, String suffix) throws Exception {
        await(() -> {
            List<Path> files = list(cache);
            return files.size() == 1 && files.get(0).toString().endsWith(suffix);
        }, "the archive in " + cache);
        return list(cache).get(0);
    }

    /** Waits until the maker has run {@code count} times and its lock is gone; returns its last command line. */
    private static String awaitMakerDone(Path cache, Path recorder, int count) throws Exception {
        await(() -> {
            List<String> makers = invocations(recorder).stream().filter(r -> r.contains(TRAINING)).toList();
            return makers.size() == count && Files.isDirectory(cache)
                    && list(cache).stream().noneMatch(p -> p.toString().endsWith(".making"));
        }, count + " maker runs into " + cache);
        List<String> makers = invocations(recorder).stream().filter(r -> r.contains(TRAINING)).toList();
        return makers.get(makers.size() - 1);
    }

    private static void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAKER_TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A JAVA_HOME whose bin/java appends its arguments to {@code invocations.log} and runs the real Java;
     * with {@code fakeTraining}, the training run is not run: it writes half an archive to its output file
     * and exits as a killed JVM would when HALF_ARCHIVE is set, else just exits.
     */
    private Path recordingJava(Path realHome, boolean fakeTraining) throws IOException {
        Path fake = Files.createDirectories(home.resolve("recording-jdk"));
        Files.createDirectories(fake.resolve("bin"));
        Files.copy(realHome.resolve("release"), fake.resolve("release"));
        Files.createSymbolicLink(fake.resolve("lib"), realHome.resolve("lib"));
        String script = "#!/bin/sh\n"
                + "printf '%s\\n' \"$*\" >> '" + fake.resolve("invocations.log") + "'\n"
                + (fakeTraining ? "case \"$*\" in *" + TRAINING + "*)\n"
                        + "  if [ -n \"$HALF_ARCHIVE\" ]; then\n"
                        + "    for a in \"$@\"; do case $a in -XX:ArchiveClassesAtExit=*) printf 'half' > \"${a#*=}\" ;; esac; done\n"
                        + "    exit 137\n"
                        + "  fi\n"
                        + "  exit 0 ;;\n"
                        + "esac\n" : "")
                + "exec '" + realHome.resolve("bin/java") + "' \"$@\"\n";
        Path java = fake.resolve("bin/java");
        Files.writeString(java, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return fake;
    }

    private static List<String> invocations(Path recorder) {
        try {
            Path log = recorder.resolve("invocations.log");
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Java 25: KIMI_JAVA25_HOME, else a JDK 25 under /usr/lib/jvm (where Debian packages put Temurin's). */
    static Optional<Path> java25() throws IOException {
        String configured = System.getenv("KIMI_JAVA25_HOME");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(jvms)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")) && Files.isRegularFile(d.resolve("release")))
                    .filter(d -> {
                        try {
                            return Files.readString(d.resolve("release")).contains("JAVA_VERSION=\"25");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .sorted()
                    .findFirst();
        }
    }
}
