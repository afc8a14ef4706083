package io.github.kimirotator.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The run the launcher records a class-data-sharing archive (Java 17 to 24) or AOT cache (Java 25) from, in a
 * detached background process, so that no user command waits for it. It runs the everyday commands in this
 * process against a throw-away accounts file in a temporary folder, with two made-up keys, so the archive
 * holds every class they load; it never touches the user's files, reads no password and prints nothing.
 */
public final class ArchiveTraining {
    /** What is run, in order; {@code FILE} stands for the temporary accounts file. */
    static final List<List<String>> RUNS = List.of(
            List.of("add-key", "sk-kimi-TRAININGTRAININGTRAINING0001", "Training one"),
            List.of("add-key", "-", "Training two"),
            List.of("list-keys"),
            List.of("--json", "list-keys"),
            List.of("stats"),
            List.of("--json", "stats"),
            List.of("use-key", "1"),
            List.of("set-cooldown", "30"),
            List.of("set-auto-refresh", "true"),
            List.of("refresh-health"),
            List.of("clear-limits", "all"),
            List.of("strategies"),
            List.of("set-strategy", "round-robin"),
            List.of("rotate"),
            List.of("remove-key", "1"),
            List.of("list-keys", "--no-such-option"),
            List.of("use-key", "7"),
            List.of("--version"),
            List.of("--help"));
    static final String SECOND_KEY = "sk-kimi-TRAININGTRAININGTRAINING0002\n";

    private ArchiveTraining() {
    }

    public static void main(String[] args) throws IOException {
        KimiRotatorCli.configureJvm(new String[0]);
        Path dir = Files.createTempDirectory("kimi-rotator-training");
        try {
            run(dir);
        } finally {
            deleteTree(dir);
        }
    }

    /** Runs every command of {@link #RUNS} against an accounts file in {@code dir}; returns their exit codes. */
    static List<Integer> run(Path dir) {
        Path file = dir.resolve("kimi-accounts.json");
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        List<Integer> codes = new ArrayList<>();
        for (List<String> run : RUNS) {
            Environment environment = new Environment(Map.of(), dir,
                    new ByteArrayInputStream(SECOND_KEY.getBytes(StandardCharsets.UTF_8)), discard, discard,
                    new SystemClock(), false, Environment.system().distHome(), Optional.empty());
            List<String> args = new ArrayList<>(List.of("--config", file.toString()));
            args.addAll(run);
            codes.add(KimiRotatorCli.run(args.toArray(new String[0]), environment));
        }
        return codes;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}
