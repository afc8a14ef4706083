package io.github.kimirotator.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Runs the CLI in-process against a temporary home, with its own clock, stdin and captured output. */
final class CliRunner {
    private final Path home;
    private final Map<String, String> variables = new HashMap<>();
    private java.util.Deque<String> consoleAnswers;
    private boolean terminal;
    private ByteArrayOutputStream liveErr;
    private Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

    CliRunner(Path home) {
        this.home = home;
    }

    Path accountsFile() {
        return home.resolve(".config/opencode/kimi-accounts.json");
    }

    CliRunner variable(String name, String value) {
        variables.put(name, value);
        return this;
    }

    /** Pretends there is a console that answers the prompts in turn. */
    CliRunner console(String... answers) {
        consoleAnswers = new java.util.ArrayDeque<>(java.util.List.of(answers));
        return this;
    }

    /** Pretends stdout is a terminal. */
    CliRunner terminal(boolean on) {
        terminal = on;
        return this;
    }

    /** Sends stderr to {@code sink} as it is written, so a test can watch a command that is still running. */
    CliRunner liveErr(ByteArrayOutputStream sink) {
        liveErr = sink;
        return this;
    }

    CliRunner clock(Clock newClock) {
        clock = newClock;
        return this;
    }

    Clock clock() {
        return clock;
    }

    /** Moves the clock forward. */
    CliRunner advance(java.time.Duration by) {
        clock = Clock.offset(clock, by);
        return this;
    }

    Result run(String... args) {
        return runWithInput("", args);
    }

    Result runWithInput(String stdin, String... args) {
        return runWithInput(stdin, new ByteArrayOutputStream(), args);
    }

    /**
     * Runs a command that goes on until interrupted (as Ctrl-C does), interrupting it once its output so far
     * satisfies {@code enough}; fails if that takes longer than {@code bound}.
     */
    Result runUntil(java.util.function.Predicate<String> enough, java.time.Duration bound, String... args)
            throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Result[] result = new Result[1];
        Thread command = new Thread(() -> result[0] = runWithInput("", out, args), "cli-under-test");
        command.start();
        long deadline = System.nanoTime() + bound.toNanos();
        while (command.isAlive() && !enough.test(out.toString(StandardCharsets.UTF_8))) {
            if (System.nanoTime() > deadline) {
                command.interrupt();
                throw new AssertionError("the output never became what was expected:\n" + out.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
        command.interrupt();
        command.join(bound.toMillis());
        return result[0];
    }

    private Result runWithInput(String stdin, ByteArrayOutputStream out, String... args) {
        ByteArrayOutputStream err = liveErr != null ? liveErr : new ByteArrayOutputStream();
        int code = KimiRotatorCli.run(args, environment(stdin, out, err));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The environment a command runs in, with no input and its output discarded. */
    Environment environment() {
        return environment("", new ByteArrayOutputStream(), new ByteArrayOutputStream());
    }

    private Environment environment(String stdin, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return new Environment(variables, home,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                clock, terminal, Optional.empty(), consoleAnswers == null ? Optional.empty()
                        : Optional.of(prompt -> {
                            String answer = consoleAnswers.poll();
                            return answer == null ? null : answer.toCharArray();
                        }));
    }

    /** The accounts file's bytes, or null when it does not exist. */
    byte[] fileBytes() throws IOException {
        return Files.exists(accountsFile()) ? Files.readAllBytes(accountsFile()) : null;
    }

    record Result(int exitCode, String out, String err) {
    }
}
