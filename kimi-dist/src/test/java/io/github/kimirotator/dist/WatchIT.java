package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code watch} through the launcher: on a real terminal (a pseudo-terminal from script(1)) and a real Ctrl-C. */
class WatchIT {
    static final String KEY = "sk-kimi-WATCHWATCHWATCHWATCH0000aaaa";
    static final Path SCRIPT = Path.of("/usr/bin/script");
    static final String LEAVE = "\033[?25h\033[?1049l";

    @TempDir
    Path home;
    Process serve;
    Process watch;

    @AfterEach
    void stop() throws Exception {
        for (Process p : new Process[] {watch, serve}) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void ctrlCOnATerminalEndsWithExit0AndTheTerminalRestored() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) || "true".equals(System.getenv("CI")),
                "script(1) from util-linux is needed for a pseudo-terminal");
        Launcher cli = new Launcher(home);
        assertThat(cli.run("add-key", KEY, "Watched").exitCode()).isZero();
        Launcher.Result none = cli.run("watch");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).startsWith("error: no proxy is running for ").endsWith("; start one with 'kimi-rotator start' or pass --url\n");

        serve = cli.start(Launcher.bin("kimi-rotator"), "serve", "--port", "0", "--upstream", "http://127.0.0.1:9");
        BufferedReader serveOut = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        assertThat(serveOut.readLine()).startsWith("Listening on http://127.0.0.1:");

        Launcher.Result once = cli.run("watch", "--once");
        assertThat(once.exitCode()).as(once.err()).isZero();
        assertThat(once.out()).contains("● 0   sk-kimi-...aaaa  Watched").doesNotContain("\033");

        // script gives watch a terminal; a Ctrl-C typed into it reaches watch as SIGINT from the terminal. With no
        // class-data archive yet the launcher would make one, and must still leave watch alone in the foreground.
        deleteTree(home.resolve(".config/opencode/kimi-rotator/cache"));
        watch = cli.start(SCRIPT, "-qfec", "exec " + Launcher.bin("kimi-rotator") + " watch", "/dev/null");
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Thread reader = drain(watch.getInputStream(), seen);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (text(seen).split("\033\\[H\033\\[2J", -1).length < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(text(seen)).contains("\033[?1049h").contains("sk-kimi-...aaaa");
        OutputStream keyboard = watch.getOutputStream();
        keyboard.write(3);
        keyboard.flush();

        assertThat(watch.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(5000);
        assertThat(watch.exitValue()).isZero();
        assertThat(text(seen).stripTrailing()).endsWith(LEAVE);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream into) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[4096];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    synchronized (into) {
                        into.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "watch-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
