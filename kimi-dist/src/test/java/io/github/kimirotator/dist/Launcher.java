package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the unpacked distribution's launcher as a real process with a temporary home directory. */
final class Launcher {
    static final Path DIST = Path.of(System.getProperty("kimi.dist", "target/kimi-rotator-dist"));

    private final Path home;
    private final Map<String, String> env = new HashMap<>();

    Launcher(Path home) {
        this.home = home;
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv("PATH"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // Java takes user.home from the password database, not from HOME: point it at the temp home too.
        env.put("KIMI_ROTATOR_OPTS", "-Duser.home=" + home);
        // The start-up archive is made by a background process; tests of behaviour do without it (StartupIT
        // turns it on), so no process outlives its test or writes into a temporary folder being removed.
        env.put("KIMI_ROTATOR_NO_CDS", "1");
    }

    static Path bin(String name) {
        Path launcher = DIST.resolve("bin").resolve(name);
        assertThat(launcher).as("built launcher (run 'mvn package' first)").isExecutable();
        return launcher;
    }

    Launcher env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    Path home() {
        return home;
    }

    Path accountsFile() {
        return home.resolve(".config/opencode/kimi-accounts.json");
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runProgram(bin("kimi-rotator"), null, args);
    }

    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return runProgram(bin("kimi-rotator"), stdin, args);
    }

    Process start(Path program, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    Result runProgram(Path program, String stdin, String... args) throws IOException, InterruptedException {
        Process process = start(program, args);
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        return finish(process);
    }

    static Result finish(Process process) throws IOException, InterruptedException {
        // Both pipes are drained at once: a child filling one while we wait on the other would hang.
        var errBytes = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var out = process.getInputStream().readAllBytes();
        var err = errBytes.join();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("process ended").isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    byte[] fileBytes() throws IOException {
        return Files.exists(accountsFile()) ? Files.readAllBytes(accountsFile()) : null;
    }

    record Result(int exitCode, String out, String err) {
    }
}
