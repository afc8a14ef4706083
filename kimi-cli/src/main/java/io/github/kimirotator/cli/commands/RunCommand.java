package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.proxy.LocalToken;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

public final class RunCommand extends CliCommand {
    /** Claude Code and the Anthropic SDKs read these. */
    static final String BASE_URL = "ANTHROPIC_BASE_URL";
    static final String AUTH_TOKEN = "ANTHROPIC_AUTH_TOKEN";
    static final String API_KEY = "ANTHROPIC_API_KEY";
    /** OpenCode merges this JSON over its own configuration files (opencode.ai/docs/config). */
    static final String OPENCODE_CONFIG = "OPENCODE_CONFIG_CONTENT";
    /** What the child gets as a token when the proxy runs with --no-auth and none was ever made. */
    static final String NO_TOKEN = "kimi-rotator-no-auth";

    boolean stopAfter;
    List<String> command = new ArrayList<>();

    @Override
    protected CommandModel model() {
        CommandModel model = command("run", "Run a client (e.g. claude) pointed at the proxy of this accounts file, starting one in"
                + " the background if none runs.")
                .environment(
                        "  sets ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN and OPENCODE_CONFIG_CONTENT",
                        "  for COMMAND, removes ANTHROPIC_API_KEY, and sets ANTHROPIC_MODEL and",
                        "  ANTHROPIC_SMALL_FAST_MODEL unless they are set;",
                        "  KIMI_ROTATOR_UPSTREAM   the upstream of a proxy it starts when --upstream is",
                        "                          not given")
                .flag("--stop-after", "Stop the proxy when COMMAND ends, if this run started it and no other client used it meanwhile.");
        return ServeOptions.addTo(model)
                .parameter("COMMAND", "1..*", List.class, new ArrayList<String>(),
                        "The command to run, with its arguments (put -- before it when it starts with -).");
    }

    @Override
    protected int run() throws InterruptedException {
        stopAfter = value("--stop-after");
        command = value("COMMAND");
        ServeOptions options = ServeOptions.of(this, context().environment());
        options.toConfig();
        checkRunnable(command.get(0));
        BackgroundProxy proxies = new BackgroundProxy(context());
        PrintStream err = context().err();
        Optional<BackgroundProxy.Running> existing = proxies.find();
        BackgroundProxy.Running proxy = existing.orElseGet(() -> proxies.start(options.allArgs()));
        boolean started = existing.isEmpty();
        if (started) {
            err.println(context().programName() + ": started a proxy at " + proxy.url() + " (pid " + proxy.pid() + ")"
                    + (stopAfter ? "" : "; it keeps running, '" + context().invocation() + " stop' ends it"));
        }
        long self = ProcessHandle.current().pid();
        proxies.addClient(proxy, self);

        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().clear();
        builder.environment().putAll(clientEnvironment(proxy, LocalToken.load(proxies.ownDir()).orElse(NO_TOKEN)));
        // Ctrl-C in the terminal reaches the command itself (same process group); this process waits for it
        // and returns its exit code instead of dying first. A handler, not SIG_IGN, which the child would inherit.
        // It stays for the rest of this process: the JVM runs signal handlers on a thread of its own, so a handler
        // put back when the command ends could still receive the Ctrl-C that ended it, and exit with 130.
        ignoreInterrupts();
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            stopIfOurs(proxies, proxy, started, self);
            throw new KimiException(ErrorCode.IO_ERROR, "cannot run '" + command.get(0) + "': " + reason(e));
        }
        Thread forward = new Thread(() -> endChild(child), "kimi-run-stop-child");
        Runtime.getRuntime().addShutdownHook(forward);
        int exitCode = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(forward);
        stopIfOurs(proxies, proxy, started, self);
        return exitCode;
    }

    /** The variables of this process, pointed at {@code proxy}: base URL and token; an API key would take precedence, so it goes. */
    Map<String, String> clientEnvironment(BackgroundProxy.Running proxy, String token) {
        Map<String, String> env = new HashMap<>(context().environment().variables());
        String base = proxy.url().toString().replaceAll("/+$", "");
        env.put(BASE_URL, base);
        env.put(AUTH_TOKEN, token);
        env.remove(API_KEY);
        // The launcher's name for its own messages; a kimi-rotator the client runs must not inherit it.
        env.remove(CliContext.PROGRAM_NAME_VARIABLE);
        env.putIfAbsent("ANTHROPIC_MODEL", ConfigCommand.MODEL);
        env.putIfAbsent("ANTHROPIC_SMALL_FAST_MODEL", ConfigCommand.MODEL);
        Optional<String> openCode = ConfigCommand.openCodeConfigOver(env.get(OPENCODE_CONFIG), base, token);
        if (openCode.isEmpty()) {
            context().err().println("warning: " + OPENCODE_CONFIG + " is not a JSON object; " + command.get(0)
                    + " gets only the proxy's settings in it");
        }
        env.put(OPENCODE_CONFIG, openCode.orElseGet(() -> ConfigCommand.openCodeConfig(base, token)));
        return env;
    }

    /** Refuses a command that is not there before any proxy is started for it. */
    private void checkRunnable(String program) {
        boolean found;
        if (program.contains("/") || program.contains(java.io.File.separator)) {
            found = java.nio.file.Files.isExecutable(java.nio.file.Path.of(program));
        } else {
            found = BackgroundProxy.isWindows() || BackgroundProxy.onPath(program).isPresent();
        }
        if (!found) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot run '" + program + "': no such file or command (is it on the PATH?)");
        }
    }

    private void stopIfOurs(BackgroundProxy proxies, BackgroundProxy.Running proxy, boolean started, long self)
            throws InterruptedException {
        if (!stopAfter) {
            return;
        }
        if (!started) {
            context().err().println(context().programName() + ": left the proxy at " + proxy.url() + " running: this run did not start it");
            return;
        }
        List<Long> others = proxies.otherClients(proxy, self);
        if (!others.isEmpty()) {
            context().err().println(context().programName() + ": left the proxy at " + proxy.url() + " running: another client used it"
                    + (others.get(0) > 0 ? " (kimi-rotator run, pid " + others.get(0) + ")" : ""));
            return;
        }
        proxies.stop(proxy.info());
    }

    private static void endChild(Process child) {
        if (child.isAlive()) {
            child.destroy();
            try {
                child.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void ignoreInterrupts() {
        try {
            Signal.handle(new Signal("INT"), signal -> { });
        } catch (IllegalArgumentException e) {
            // No SIGINT on this system.
        }
    }

    private static String reason(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("error=2,")) {
            return "no such file or command (is it on the PATH?)";
        }
        if (message.contains("error=13,")) {
            return "permission denied";
        }
        return message;
    }
}
