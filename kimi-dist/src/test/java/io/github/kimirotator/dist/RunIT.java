package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run}, {@code start}, {@code stop} and {@code status} through the launcher, with a proxy in the background. */
class RunIT {
    static final String KEY = "sk-kimi-RUNRUNRUNRUNRUNRUNRUN0000aaaa";
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * A client in plain bash (no curl on a bare machine): one request to the proxy with the token it was given,
     * printing the variables it saw and the answer, then exit 7.
     */
    static final String CLIENT = """
            echo "base=$ANTHROPIC_BASE_URL token=$ANTHROPIC_AUTH_TOKEN apikey=${ANTHROPIC_API_KEY-unset}"
            hostport=${ANTHROPIC_BASE_URL#http://}
            exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
            printf 'POST /v1/messages HTTP/1.1\\r\\nHost: %s\\r\\nAuthorization: Bearer %s\\r\\nContent-Type: application/json\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}' "$hostport" "$ANTHROPIC_AUTH_TOKEN" >&3
            cat <&3
            exit 7
            """;

    @TempDir
    Path home;
    PongUpstream upstream;
    Launcher cli;
    Path ownDir;
    final List<Process> started = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        upstream = new PongUpstream();
        cli = new Launcher(home).env("KIMI_ROTATOR_UPSTREAM", upstream.url());
        ownDir = home.resolve(".config/opencode/kimi-rotator");
        assertThat(cli.run("add-key", KEY, "A").exitCode()).isZero();
    }

    /** Whatever happens in a test, no proxy it started keeps running. */
    @AfterEach
    void tearDown() throws Exception {
        for (Process process : started) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (Files.exists(ownDir.resolve("serve.json"))) {
            ProcessHandle.of(servePid()).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
        }
        upstream.close();
    }

    @Test
    void runStartsAProxyThatASecondRunAndStartReuseUntilStop() throws Exception {
        Launcher.Result first = cli.env("ANTHROPIC_API_KEY", "a-real-anthropic-key")
                .run("run", "--port", "0", "--", "bash", "-c", CLIENT);
        assertThat(first.exitCode()).as(first.err()).isEqualTo(7);
        long pid = servePid();
        String url = serveUrl();
        String token = Files.readString(ownDir.resolve("token")).strip();
        assertThat(first.err()).startsWith("kimi-rotator: started a proxy at " + url + " (pid " + pid + ")");
        assertThat(first.out()).startsWith("base=" + url + " token=" + token + " apikey=unset\n")
                .contains("HTTP/1.1 200").contains("pong");
        assertThat(upstream.keysSeen()).containsExactly(KEY);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the proxy outlives the run").contains(true);
        assertThat(Files.getPosixFilePermissions(ownDir.resolve("clients"))).as("clients, like all our files")
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        Launcher.Result second = cli.run("run", "--port", "0", "sh", "-c", "echo $ANTHROPIC_BASE_URL; exit 3");
        assertThat(second.exitCode()).isEqualTo(3);
        assertThat(second.out()).isEqualTo(url + "\n");
        assertThat(second.err()).isEmpty();
        assertThat(servePid()).as("one proxy, one serve.json").isEqualTo(pid);

        // The alias's own name is for its messages; a kimi-rotator run inside the client names itself as usual.
        Launcher.Result alias = cli.runProgram(Launcher.bin("opencode-kimi"), null,
                "run", "--port", "0", "--", "sh", "-c", "echo ${KIMI_ROTATOR_PROGRAM_NAME-unset}");
        assertThat(alias.exitCode()).as(alias.err()).isZero();
        assertThat(alias.out()).isEqualTo("unset\n");

        // OpenCode's settings go over the user's own OPENCODE_CONFIG_CONTENT, which keeps the rest.
        String printConfig = "printf '%s' \"$OPENCODE_CONFIG_CONTENT\"";
        Launcher.Result merged = cli.env("OPENCODE_CONFIG_CONTENT", "{\"theme\": \"tokyonight\"}")
                .run("run", "--port", "0", "--", "sh", "-c", printConfig);
        assertThat(merged.exitCode()).as(merged.err()).isZero();
        assertThat(merged.err()).isEmpty();
        assertThat(merged.out()).contains("\"theme\" : \"tokyonight\"").contains("\"baseURL\" : \"" + url + "/v1\"");
        Launcher.Result notJson = cli.env("OPENCODE_CONFIG_CONTENT", "theme=dark")
                .run("run", "--port", "0", "--", "sh", "-c", printConfig);
        cli.env("OPENCODE_CONFIG_CONTENT", null);
        assertThat(notJson.exitCode()).as(notJson.err()).isZero();
        assertThat(notJson.err()).isEqualTo(
                "warning: OPENCODE_CONFIG_CONTENT is not a JSON object; sh gets only the proxy's settings in it\n");
        assertThat(notJson.out()).contains("\"baseURL\" : \"" + url + "/v1\"").doesNotContain("theme");

        Launcher.Result status = cli.run("status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).startsWith("Proxy: " + url + " (pid " + pid + "), up ")
                .contains("Strategy: health-based; keys that can serve now: 1 of 1");
        Launcher.Result start = cli.run("start", "--port", "0");
        assertThat(start.exitCode()).isZero();
        assertThat(start.out()).startsWith("A proxy already serves this file at " + url + " (pid " + pid + ")");
        assertThat(servePid()).isEqualTo(pid);

        Launcher.Result stop = cli.run("stop");
        assertThat(stop.exitCode()).isZero();
        assertThat(stop.out()).isEqualTo("Stopped the proxy at " + url + " (pid " + pid + ")\n");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ownDir.resolve("serve.json")).doesNotExist();
        Launcher.Result none = cli.run("status");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("error: no proxy is running for " + home.resolve(".config/opencode/kimi-accounts.json")
                + "; start one with 'kimi-rotator start'\n");
        Launcher.Result stopAgain = cli.run("stop");
        assertThat(stopAgain.exitCode()).isZero();
        assertThat(stopAgain.out()).startsWith("No proxy is running for ");
    }

    @Test
    void startTwiceStartsOneDetachedProxyLoggingToServeLog() throws Exception {
        // A global option with a value before the command: the proxy started gets it before 'serve' too, and the
        // launcher must still see 'serve' as the command (and put the proxy's libraries on the class path).
        Launcher.Result first = cli.run("--state-prefix", "team:", "start", "--port", "0");
        assertThat(first.exitCode()).as(first.err()).isZero();
        long pid = servePid();
        assertThat(first.out()).startsWith("Started a proxy at " + serveUrl() + " (pid " + pid + "); log: "
                + ownDir.resolve("serve.log"));
        ProcessHandle proxy = ProcessHandle.of(pid).orElseThrow();
        assertThat(sessionId(pid)).as("the proxy leads a session of its own").isEqualTo(pid);
        assertThat(Files.readString(ownDir.resolve("serve.log"))).contains("Listening on " + serveUrl());

        Launcher.Result second = cli.run("start", "--port", "0");
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).startsWith("A proxy already serves this file at " + serveUrl() + " (pid " + pid + ")");
        assertThat(proxy.isAlive()).isTrue();
        assertThat(cli.run("stop").exitCode()).isZero();
        assertThat(proxy.isAlive()).isFalse();
    }

    @Test
    void ctrlCInTheTerminalStopsTheCommandAndLeavesTheProxyServing() throws Exception {
        // script(1) gives the run a terminal of its own; a Ctrl-C typed into it reaches the terminal's foreground
        // process group, as in a user's shell.
        // exec: script runs this with sh -c, and a shell waiting in between would itself die of the Ctrl-C.
        String command = "exec '" + Launcher.bin("kimi-rotator") + "' run --port 0 -- sh -c"
                + " 'trap \"echo got-int; exit 42\" INT; echo ready; tty; sleep 60; echo not-interrupted'";
        Process terminal = cli.start(Path.of("/usr/bin/script"), "-qec", command, "/dev/null");
        started.add(terminal);
        StringBuilder seen = new StringBuilder();
        var in = terminal.getInputStream();
        while (!seen.toString().matches("(?s).*/dev/pts/\\d+\\s.*")) {
            int c = in.read();
            assertThat(c).as("output so far: " + seen).isNotNegative();
            seen.append((char) c);
        }
        long proxyPid = servePid();

        terminal.getOutputStream().write(3);
        terminal.getOutputStream().flush();
        Launcher.Result rest = Launcher.finish(terminal);
        // The command handles the signal and exits 42: run waited for it instead of dying with it (130).
        assertThat(rest.exitCode()).as("the command's exit code; output: " + seen + rest.out() + rest.err()).isEqualTo(42);
        assertThat(seen).as("the command had the terminal").contains("ready");
        assertThat(rest.out()).contains("got-int").doesNotContain("not-interrupted");

        Launcher.Result status = cli.run("status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("(pid " + proxyPid + ")");
    }

    @Test
    void stopAfterStopsTheProxyItStartedUnlessAnotherClientUsedIt() throws Exception {
        Path release = home.resolve("release");
        Process first = cli.start(Launcher.bin("kimi-rotator"), "run", "--stop-after", "--port", "0", "--", "sh", "-c",
                "echo ready; while [ ! -e '" + release + "' ]; do sleep 0.1; done");
        started.add(first);
        BufferedReader out = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        long pid = servePid();
        assertThat(cli.run("run", "true").exitCode()).isZero();
        Files.createFile(release);
        Launcher.Result firstResult = Launcher.finish(first);
        assertThat(firstResult.exitCode()).isZero();
        assertThat(firstResult.err()).contains("left the proxy at " + serveUrl() + " running: another client used it");
        assertThat(servePid()).isEqualTo(pid);

        assertThat(cli.run("stop").exitCode()).isZero();
        Launcher.Result alone = cli.run("run", "--stop-after", "--port", "0", "true");
        assertThat(alone.exitCode()).as(alone.err()).isZero();
        assertThat(alone.err()).startsWith("kimi-rotator: started a proxy at ");
        assertThat(ownDir.resolve("serve.json")).as("stopped after the command").doesNotExist();
    }

    @Test
    void aCommandThatCannotRunIsOneErrorLine() throws Exception {
        Launcher.Result r = cli.run("run", "--port", "0", "--", "no-such-command-kimi");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: cannot run 'no-such-command-kimi': no such file or command (is it on the PATH?)\n");
        assertThat(ownDir.resolve("serve.json")).as("no proxy started for it").doesNotExist();
        Launcher.Result missing = cli.run("run");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).startsWith("error: ");
    }

    @Test
    void stopSignalsOnlyAProxyOfOursAndClearsAServeJsonLeftBehind() throws Exception {
        // serve.json naming a live process that is not kimi-rotator (the pid of a dead proxy, reused).
        Process stranger = new ProcessBuilder("sleep", "60").start();
        started.add(stranger);
        Files.createDirectories(ownDir);
        Files.writeString(ownDir.resolve("serve.json"), "{\"url\":\"http://127.0.0.1:9\",\"pid\":" + stranger.pid()
                + ",\"startedAt\":\"2026-11-30T00:00:00Z\"}\n");
        Launcher.Result stop = cli.run("stop");
        assertThat(stop.exitCode()).isZero();
        assertThat(stop.out()).startsWith("No proxy is running for ");
        assertThat(stranger.isAlive()).as("not ours: never signalled").isTrue();
        assertThat(ownDir.resolve("serve.json")).as("a serve.json whose proxy is gone").doesNotExist();
        assertThat(cli.run("status").exitCode()).isEqualTo(1);
    }

    @Test
    void aStartThatFailsLeavesNothingRunningAndNamesTheLog() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Launcher.Result start = cli.run("start", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(start.exitCode()).isEqualTo(1);
            assertThat(start.err()).startsWith("error: the proxy did not start: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .endsWith("(log: " + ownDir.resolve("serve.log") + ")\n");
            assertThat(start.err().lines()).hasSize(1);
        }
        assertThat(ownDir.resolve("serve.json")).doesNotExist();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(home.toString())
                && p.info().commandLine().orElse("").contains(" serve "))).as("no proxy left running").isEmpty();
    }

    private long servePid() throws IOException {
        return serveJson().get("pid").asLong();
    }

    private String serveUrl() throws IOException {
        return serveJson().get("url").asText();
    }

    private JsonNode serveJson() throws IOException {
        return JSON.readTree(ownDir.resolve("serve.json").toFile());
    }

    /** The session id of a process, from {@code /proc/PID/stat} (field 6). */
    private static long sessionId(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[3]);
    }
}
