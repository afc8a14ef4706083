package io.github.kimirotator.cli;

import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.storage.ConfigPaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The run the launcher records its class-data-sharing archive from, in a detached background process, so that
 * no user command waits for it. It runs the everyday commands in this
 * process against a throw-away accounts file in a temporary folder, with two made-up keys, so the archive
 * holds every class they load; it never touches the user's files, reads no password and prints nothing.
 * Its argument is the launcher's class-path profile: {@code cli}, or {@code serve} (for serve's own archive, on
 * its longer class path), with which it starts the proxy on a free loopback port instead, asks it for its health once, and ends the JVM, which stops the proxy.
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

    public static void main(String[] args) throws IOException, InterruptedException {
        KimiRotatorCli.configureJvm(new String[0]);
        Path dir = Files.createTempDirectory("kimi-rotator-training");
        if (args.length > 0 && "serve".equals(args[0])) {
            serve(dir);
            return;
        }
        try {
            run(dir);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Starts serve against an empty accounts file in {@code dir}, waits (at most a minute) for its serve.json,
     * asks its health endpoint once, then ends the JVM: the shutdown stops the proxy, the archive is written.
     * The launcher gives this JVM a temporary folder of its own and removes it afterwards.
     */
    static void serve(Path dir) throws InterruptedException {
        Path file = dir.resolve("kimi-accounts.json");
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Environment environment = new Environment(Map.of(), dir, new ByteArrayInputStream(new byte[0]), discard,
                discard, new SystemClock(), false, Environment.system().distHome(), Optional.empty());
        Thread proxy = new Thread(new Runnable() {
            @Override
            public void run() {
                KimiRotatorCli.run(new String[] {"--config", file.toString(), "serve", "--port", "0", "--no-auth"},
                        environment);
            }
        }, "training-serve");
        proxy.setDaemon(true);
        proxy.start();
        Path ownDir = dir.resolve(ConfigPaths.OWN_DIR_NAME);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            Optional<ServeFile.Info> serving = ServeFile.read(ownDir);
            while (serving.isEmpty() && proxy.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                serving = ServeFile.read(ownDir);
            }
            if (serving.isPresent()) {
                HttpURLConnection health = (HttpURLConnection) serving.get().url().resolve("/_kimi/health").toURL().openConnection();
                health.getInputStream().readAllBytes();
                health.disconnect();
            }
        } catch (IOException | RuntimeException e) {
            // the archive is still worth making from what has loaded so far
        }
        System.exit(0);
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
