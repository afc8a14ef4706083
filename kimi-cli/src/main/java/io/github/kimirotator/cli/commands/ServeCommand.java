package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.proxy.ProxyConfig;
import io.github.kimirotator.proxy.ProxyServer;
import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.proxy.ServeLock;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.storage.state.RedisKeyState;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.StrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.io.PrintStream;
import java.net.URI;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

public final class ServeCommand extends CliCommand {
    static final String UPSTREAM_VARIABLE = ServeOptions.UPSTREAM_VARIABLE;

    ServeOptions options;
    boolean detached;

    @Override
    protected CommandModel model() {
        CommandModel model = command("serve", "Run the local Anthropic-compatible proxy that rotates the keys.")
                .environment(
                        "  " + ServeCommand.UPSTREAM_VARIABLE + "   the upstream API when --upstream is not given",
                        "  KIMI_ROTATOR_LOG_LEVEL  the log level (e.g. debug)",
                        "  KIMI_ROTATOR_STATE      shared key state on Redis when --state is not given",
                        "  KIMI_ROTATOR_REDIS_PASSWORD  the Redis password when the URL holds none",
                        "  KIMI_ROTATOR_REDIS_CA   rediss://: PEM file of the authorities to trust",
                        "  KIMI_ROTATOR_STATE_SECRET    team secret of the key fingerprints in Redis");
        return ServeOptions.addTo(model)
                .hiddenFlag("--detached", "Run in the background (as 'start' does): log to serve.log, ignore the terminal's signals.");
    }

    @Override
    protected int run() throws InterruptedException {
        options = ServeOptions.of(this, context().environment());
        detached = value("--detached");
        ConfigPaths paths = context().get(ConfigPaths.class);
        ProxyConfig config = options.toConfig();
        Path ownDir = paths.ownDir();
        if (detached) {
            detach(ownDir.resolve(BackgroundProxy.LOG_NAME));
        }
        ServeLock lock = ServeLock.tryAcquire(ownDir).orElseThrow(() -> alreadyServing(ownDir));
        ProxyServer server = null;
        ServeFile serveFile;
        AccountsStore store;
        HealthPolicy policy;
        KeyStateBackend shared;
        try {
            if (!options.noAuth()) {
                config = config.withToken(LocalToken.loadOrCreate(ownDir));
            }
            store = context().get(AccountsStore.class);
            policy = context().get(HealthPolicy.class);
            shared = context().get(KeyStateBackend.class);
            // Not the commands' selector, which prints its warnings on the terminal: the proxy's go to its log.
            KeySelector selector = new DefaultKeySelector(context().get(StrategyRegistry.class), policy);
            server = new ProxyServer(config, store, selector, policy, shared);
            server.start();
            // The lock is ours, so a serve.json found here was left by a proxy that is gone: replace it.
            Files.deleteIfExists(ownDir.resolve(BackgroundProxy.CLIENTS_NAME));
            serveFile = ServeFile.write(ownDir, new ServeFile.Info(server.uri(), ProcessHandle.current().pid(),
                    context().get(Clock.class).instant()));
        } catch (RuntimeException | IOException e) {
            if (server != null) {
                server.close();
            }
            lock.close();
            if (e instanceof IOException io) {
                throw new KimiException(ErrorCode.IO_ERROR, "cannot remove the clients list in " + ownDir + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
        URI url = server.uri();
        ProxyServer running = server;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            serveFile.close();
            lock.close();
            stopped.countDown();
        }, "kimi-rotator-shutdown"));
        printBanner(url, config, shared.overlay(store.read()), policy);
        if (shared.status().shared()) {
            context().out().println("Shared key state: " + RedisKeyState.redacted(context().stateUrl())
                    + (context().options().statePrefix() != null ? " (prefix " + context().options().statePrefix() + ")" : "")
                    + (shared.status().connected() ? ", connected" : ", not reachable yet: serving from local state"));
            context().out().flush();
        }
        stopped.await();
        return 0;
    }

    /**
     * A proxy started by {@code start} or {@code run} has no terminal: its output goes to {@code log} (set up by
     * the starter), kept under {@link BackgroundProxy#LOG_LIMIT_BYTES}; Ctrl-C and hang-ups meant for the
     * terminal it came from are ignored where the system could not give it a session of its own. SIGTERM
     * ({@code stop}) still ends it.
     */
    private static void detach(Path log) {
        SignalHandler ignore = signal -> { };
        for (String name : new String[] {"INT", "HUP"}) {
            try {
                Signal.handle(new Signal(name), ignore);
            } catch (IllegalArgumentException e) {
                // Not a signal on this system (Windows has no HUP).
            }
        }
        ScheduledExecutorService rotation = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kimi-log-rotation");
            t.setDaemon(true);
            return t;
        });
        rotation.scheduleWithFixedDelay(() -> BackgroundProxy.rotateIfOver(log, BackgroundProxy.LOG_LIMIT_BYTES),
                10, 10, TimeUnit.SECONDS);
    }

    /** The error for a second {@code serve} on one accounts file. */
    static KimiException alreadyServing(Path ownDir) {
        return ServeFile.read(ownDir)
                .map(info -> new KimiException(ErrorCode.PROXY_ALREADY_RUNNING, "a proxy already serves this file at "
                        + info.url() + " (pid " + info.pid() + ")"))
                .orElseGet(() -> new KimiException(ErrorCode.PROXY_ALREADY_RUNNING, "a proxy for this file is starting"
                        + " or stopping (it holds " + ServeLock.path(ownDir) + "); try again in a moment"));
    }

    private void printBanner(URI url, ProxyConfig config, AccountsState state, HealthPolicy policy) {
        PrintStream out = context().out();
        String program = context().invocation();
        long usable = state.accounts().stream().filter(a -> policy.status(a) != KeyStatus.DISABLED
                && policy.status(a) != KeyStatus.LIMITED).count();
        out.println("Listening on " + url + " (upstream " + config.upstream() + ")");
        out.println("Strategy: " + ListKeysCommand.strategyInForce(state.effectiveStrategy(),
                ListKeysCommand.notInstalled(context(), state.effectiveStrategy())) + "; usable keys: " + usable + " of " + state.accounts().size());
        if (state.accounts().isEmpty()) {
            out.println("No keys yet: add one with '" + program + " add-key sk-kimi-... \"My Account\"' (picked up while running).");
        } else if (usable == 0) {
            out.println("No key can serve now: see '" + program + " list-keys', or '" + program + " clear-limits all'.");
        }
        out.println(options.noAuth() ? "Auth: off (--no-auth)" : "Auth: local token in " + LocalToken.path(
                context().get(ConfigPaths.class).ownDir()));
        out.println("Client settings: '" + program + " config claude-code' or '" + program + " config opencode'. Stop with "
                + (detached ? "'" + program + " stop'." : "Ctrl-C."));
        out.flush();
    }
}
