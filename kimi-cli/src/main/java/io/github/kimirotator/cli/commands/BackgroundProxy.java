package io.github.kimirotator.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.cli.GlobalOptions;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.proxy.ServeLock;
import io.github.kimirotator.storage.ConfigPaths;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy of an accounts file seen from the other commands ({@code run}, {@code start}, {@code stop},
 * {@code status}): finds the one {@code serve.json} names, starts one detached from the terminal, stops it.
 */
final class BackgroundProxy {
    static final String LOG_NAME = "serve.log";
    /** {@code serve.log} is rotated (one old file, {@code serve.log.1}) beyond this size. */
    static final long LOG_LIMIT_BYTES = 10L * 1024 * 1024;
    /** How long a start may take until the proxy answers; a JVM under load can be slow to start. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** How long {@code stop} waits after SIGTERM: the proxy lets requests in flight finish first. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);
    static final String MAIN_CLASS = "io.github.kimirotator.cli.KimiRotatorCli";
    /** Each {@code run} that uses a proxy adds a line here, so {@code run --stop-after} sees other clients. */
    static final String CLIENTS_NAME = "clients";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(100);

    /** A proxy that answers. */
    record Running(ServeFile.Info info) {
        URI url() {
            return info.url();
        }

        long pid() {
            return info.pid();
        }
    }

    private final CliContext context;
    private final ConfigPaths paths;
    private final Path ownDir;

    BackgroundProxy(CliContext context) {
        this.context = context;
        this.paths = context.get(ConfigPaths.class);
        // Made when something is written there (start, addClient): status and stop only read.
        this.ownDir = paths.ownDirPath();
    }

    Path ownDir() {
        return ownDir;
    }

    Path logFile() {
        return ownDir.resolve(LOG_NAME);
    }

    /** The proxy {@code serve.json} names, when it answers {@code /_kimi/health}. */
    Optional<Running> find() {
        return ServeFile.read(ownDir).filter(this::answers).map(Running::new);
    }

    /** What {@code serve.json} says, whether or not its proxy still runs. */
    Optional<ServeFile.Info> serveFile() {
        return ServeFile.read(ownDir);
    }

    /**
     * Starts {@code serve} with {@code serveArgs} in a new session (no terminal: Ctrl-C in the user's terminal
     * never reaches it), output appended to {@code serve.log}; returns once it answers. A start that fails
     * leaves nothing running. When another proxy won a race to serve this file, returns that one.
     *
     * @throws KimiException {@code IO_ERROR} when the proxy could not be started or did not answer in time,
     *     naming the log
     */
    Running start(List<String> serveArgs) {
        paths.ownDir(); // created here: the log goes into it
        Path log = logFile();
        rotateIfOver(log, LOG_LIMIT_BYTES);
        long logStart = size(log);
        ProcessBuilder builder = new ProcessBuilder(detachedCommand(serveArgs))
                .redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        passState(context, builder.environment());
        Process process;
        try {
            if (!Files.exists(log)) {
                io.github.kimirotator.storage.PrivateFiles.createIfAbsent(log, new byte[0]);
            }
            process = builder.start();
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot start the proxy: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        // Interrupted (Ctrl-C, SIGTERM) before the proxy answers: it is ended too.
        Thread abandon = new Thread(() -> {
            if (process.isAlive()) {
                kill(process);
            }
        }, "kimi-start-abandoned");
        Runtime.getRuntime().addShutdownHook(abandon);
        try {
            while (System.nanoTime() < deadline) {
                Optional<ServeFile.Info> info = ServeFile.read(ownDir);
                if (info.isPresent() && isProcessOf(process, info.get().pid()) && answers(info.get())) {
                    return new Running(info.get());
                }
                if (!process.isAlive()) {
                    String error = lastError(log, logStart);
                    if (error.contains("a proxy already serves this file")) {
                        Optional<Running> other = find();
                        if (other.isPresent()) {
                            return other.get();
                        }
                    }
                    throw new KimiException(process.exitValue() == 2 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.IO_ERROR,
                            "the proxy did not start: " + (error.isEmpty() ? "it ended with exit code " + process.exitValue()
                                    : error.replaceFirst("^error: ", "")) + " (log: " + log + ")");
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
            throw new KimiException(ErrorCode.IO_ERROR, "interrupted while starting the proxy", e);
        } catch (RuntimeException e) {
            if (process.isAlive()) {
                kill(process);
            }
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(abandon);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook does its work.
            }
        }
        kill(process);
        throw new KimiException(ErrorCode.IO_ERROR, "the proxy did not answer within " + START_TIMEOUT.toSeconds()
                + " s, so it was stopped; see " + log);
    }

    /**
     * Puts the shared state's URL, when there is one, into {@code environment}, the variables of a proxy to
     * start ({@code start}, {@code run}, the user service): there a password in the URL stays out of the process list.
     */
    static void passState(CliContext context, Map<String, String> environment) {
        if (context.stateUrl() != null) {
            environment.put(GlobalOptions.STATE_VARIABLE, context.stateUrl());
        }
    }

    /**
     * Stops the proxy {@code info} names: SIGTERM, then waits up to {@link #STOP_TIMEOUT}; only when the process
     * is a kimi-rotator proxy.
     *
     * @return whether a running proxy was stopped; false when {@code info} names a process that has ended or is
     *     not ours (its stale {@code serve.json} is then removed)
     * @throws KimiException {@code IO_ERROR} when it did not end in time
     */
    boolean stop(ServeFile.Info info) throws InterruptedException {
        Optional<ProcessHandle> handle = ProcessHandle.of(info.pid()).filter(ProcessHandle::isAlive);
        if (handle.isEmpty() || !isOurs(handle.get(), info)) {
            removeStale(info);
            return false;
        }
        handle.get().destroy();
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (handle.get().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
        }
        if (handle.get().isAlive()) {
            throw new KimiException(ErrorCode.IO_ERROR, "the proxy (pid " + info.pid() + ") did not stop within "
                    + STOP_TIMEOUT.toSeconds() + " s; see " + logFile());
        }
        return true;
    }

    /** Removes a {@code serve.json} whose proxy is gone, when no proxy holds the lock (one may be starting). */
    void removeStale(ServeFile.Info info) {
        if (ServeLock.isHeld(ownDir) || !ServeFile.read(ownDir).equals(Optional.of(info))) {
            return;
        }
        try {
            Files.deleteIfExists(ServeFile.path(ownDir));
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot remove " + ServeFile.path(ownDir) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code handle} is a kimi-rotator process: by its command line where the system shows it, else by
     * the lock being held and {@code info}'s URL answering.
     */
    boolean isOurs(ProcessHandle handle, ServeFile.Info info) {
        Optional<String> commandLine = commandLine(handle);
        if (commandLine.isPresent()) {
            return commandLine.get().contains(MAIN_CLASS);
        }
        return ServeLock.isHeld(ownDir) && answers(info);
    }

    /** Records that the process {@code clientPid} uses the proxy {@code proxy}. */
    void addClient(Running proxy, long clientPid) {
        String line = proxy.pid() + " " + proxy.info().startedAt().toEpochMilli() + " " + clientPid + "\n";
        try {
            // 0600 like every file of ours: made private first, then appended to.
            if (!Files.exists(paths.ownDir().resolve(CLIENTS_NAME))) {
                io.github.kimirotator.storage.PrivateFiles.createIfAbsent(ownDir.resolve(CLIENTS_NAME), new byte[0]);
            }
            Files.write(ownDir.resolve(CLIENTS_NAME), line.getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot write " + ownDir.resolve(CLIENTS_NAME) + ": " + e.getMessage(), e);
        }
    }

    /** The other processes that used the proxy {@code proxy} (recorded by {@link #addClient}). */
    List<Long> otherClients(Running proxy, long clientPid) {
        String prefix = proxy.pid() + " " + proxy.info().startedAt().toEpochMilli() + " ";
        List<Long> others = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(ownDir.resolve(CLIENTS_NAME), StandardCharsets.US_ASCII)) {
                if (line.startsWith(prefix)) {
                    long pid = Long.parseLong(line.substring(prefix.length()).strip());
                    if (pid != clientPid) {
                        others.add(pid);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return others;
        } catch (IOException | NumberFormatException e) {
            // When in doubt, another client may be using it.
            others.add(-1L);
        }
        return others;
    }

    /** The proxy's {@code /_kimi/status} document, with the local token when there is one. */
    JsonNode status(Running proxy) {
        try {
            HttpURLConnection connection = open(proxy.url().resolve("/_kimi/status"), Duration.ofSeconds(10));
            LocalToken.load(ownDir).ifPresent(token -> connection.setRequestProperty("x-api-key", token));
            try {
                int code = connection.getResponseCode();
                if (code != 200) {
                    throw new KimiException(ErrorCode.UNAUTHORIZED, "the proxy at " + proxy.url() + " answered " + code
                            + " to /_kimi/status");
                }
                try (InputStream body = connection.getInputStream()) {
                    return MAPPER.readTree(body);
                }
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            throw new KimiException(ErrorCode.NO_RUNNING_PROXY, "the proxy at " + proxy.url() + " did not answer: " + e.getMessage(), e);
        }
    }

    /** Whether {@code info}'s process is alive and its URL answers {@code /_kimi/health}. */
    boolean answers(ServeFile.Info info) {
        if (!ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            HttpURLConnection connection = open(info.url().resolve("/_kimi/health"), Duration.ofSeconds(5));
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A plain HTTP request: lighter to start than java.net.http's client, which loads TLS whether used or not. */
    private static HttpURLConnection open(URI url, Duration timeout) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection(java.net.Proxy.NO_PROXY);
        connection.setConnectTimeout(2000);
        connection.setReadTimeout((int) timeout.toMillis());
        connection.setUseCaches(false);
        return connection;
    }

    /** The command that runs {@code serve} detached: the launcher this process came from, in a new session. */
    List<String> detachedCommand(List<String> serveArgs) {
        List<String> command = new ArrayList<>();
        Optional<String> setsid = onPath("setsid");
        if (setsid.isPresent()) {
            command.add(setsid.get());
        } else if (!isWindows() && Files.isExecutable(Path.of("/usr/bin/perl"))) {
            // macOS has no setsid(1); its perl can call setsid(2) and exec the proxy.
            command.addAll(List.of("/usr/bin/perl", "-MPOSIX", "-e", "POSIX::setsid(); exec @ARGV or die \"$!\\n\""));
        }
        command.addAll(selfCommand());
        List<String> arguments = UserService.arguments(paths.accountsFile(), context.options().statePrefix(), serveArgs, true);
        if (context.options().verbose()) {
            // After --config FILE, as the global options' first.
            arguments.add(2, "--verbose");
        }
        command.addAll(arguments);
        return command;
    }

    /** How to run kimi-rotator again: the launcher of this distribution, else this JVM with its class path. */
    List<String> selfCommand() {
        Optional<Path> launcher = launcher();
        if (launcher.isPresent()) {
            return List.of(launcher.get().toString());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString();
        return List.of(java, "-cp", System.getProperty("java.class.path"), MAIN_CLASS);
    }

    /** {@code <dist>/bin/kimi-rotator} (or {@code .cmd} on Windows) when this process runs from a distribution. */
    Optional<Path> launcher() {
        return context.environment().distHome()
                .map(home -> home.resolve("bin").resolve(isWindows() ? "kimi-rotator.cmd" : "kimi-rotator"))
                .filter(Files::isRegularFile)
                .map(Path::toAbsolutePath);
    }

    /** Copies {@code log} to {@code log.1} and empties it when it is larger than {@code limit} bytes. */
    static void rotateIfOver(Path log, long limit) {
        try {
            if (Files.size(log) <= limit) {
                return;
            }
            Files.copy(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            // Truncated in place, not renamed: the proxy's output stays open on this file (appending).
            try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "rw")) {
                file.setLength(0);
            }
        } catch (NoSuchFileException e) {
            // Nothing logged yet.
        } catch (IOException e) {
            // A log that cannot be rotated must not stop the proxy; it keeps growing instead.
        }
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    private static boolean isProcessOf(Process process, long pid) {
        return process.pid() == pid || process.descendants().anyMatch(d -> d.pid() == pid);
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last {@code error:} line the proxy wrote to the log since {@code from}, or its last line. */
    private static String lastError(Path log, long from) {
        try {
            byte[] bytes = Files.readAllBytes(log);
            String text = new String(bytes, (int) Math.min(from, bytes.length), (int) Math.max(0, bytes.length - from),
                    StandardCharsets.UTF_8);
            String last = "";
            for (String line : text.split("\n")) {
                if (line.startsWith("error: ")) {
                    return line.strip();
                }
                if (!line.isBlank()) {
                    last = line.strip();
                }
            }
            return last;
        } catch (IOException e) {
            return "";
        }
    }

    /** The full command line of a process: {@code /proc} on Linux (never cut short), else what Java reports. */
    private static Optional<String> commandLine(ProcessHandle handle) {
        Path proc = Path.of("/proc", Long.toString(handle.pid()), "cmdline");
        try {
            if (Files.exists(proc)) {
                return Optional.of(new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' '));
            }
        } catch (IOException e) {
            // Fall back to what Java can see.
        }
        return handle.info().commandLine();
    }

    /** The first executable {@code program} in the {@code PATH}. */
    static Optional<String> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program).toString());
            }
        }
        return Optional.empty();
    }
}
