package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.proxy.ProxyConfig;
import io.github.kimirotator.proxy.ProxyServer;
import io.github.kimirotator.proxy.ServeFile;
import io.github.kimirotator.proxy.ServeLock;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the local Anthropic-compatible proxy that rotates the keys.",
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  " + ServeCommand.UPSTREAM_VARIABLE + "   the upstream API when --upstream is not given",
            "  KIMI_ROTATOR_LOG_LEVEL  the log level (e.g. debug)"})
public final class ServeCommand extends CliCommand {
    static final String UPSTREAM_VARIABLE = "KIMI_ROTATOR_UPSTREAM";

    @Option(names = "--host", paramLabel = "H", description = "Address to listen on (default: 127.0.0.1).")
    String host = ProxyConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "P", description = "Port (default: 8787; 0 picks a free one).")
    String port = Integer.toString(ProxyConfig.DEFAULT_PORT);

    @Option(names = "--upstream", paramLabel = "URL", description = "Upstream API (default: $KIMI_ROTATOR_UPSTREAM, else https://api.kimi.com/coding).")
    String upstream;

    @Option(names = "--no-auth", description = "Accept requests without the local token (loopback only).")
    boolean noAuth;

    @Option(names = "--max-wait", paramLabel = "S", description = "Wait up to S seconds for a limited key instead of answering 429 (default: 0).")
    String maxWait = "0";

    @Option(names = "--failover-timeout", paramLabel = "S", description = "Deadline for trying keys, in seconds (default: 120).")
    String failoverTimeout = "120";

    @Option(names = "--attempt-timeout", paramLabel = "S", description = "Try the next key when one has not started answering within S seconds (default: 0, a key may use the whole failover time; non-streaming answers can take minutes).")
    String attemptTimeout = "0";

    @Option(names = "--idle-timeout", paramLabel = "S", description = "End a stream after S seconds without data (default: 300).")
    String idleTimeout = "300";

    @Option(names = "--max-body-mib", paramLabel = "N", description = "Largest request body in MiB (default: 32).")
    String maxBodyMib = "32";

    @Option(names = "--max-in-flight-per-key", paramLabel = "N", description = "Most concurrent requests per key (default: 0, no cap).")
    String maxInFlightPerKey = "0";

    @Override
    protected int run() throws InterruptedException {
        ConfigPaths paths = context().get(ConfigPaths.class);
        String upstreamUrl = upstream != null ? upstream
                : context().environment().variable(UPSTREAM_VARIABLE).orElse(ProxyConfig.DEFAULT_UPSTREAM.toString());
        ProxyConfig config = ProxyConfig.defaults(null)
                .withHost(host)
                .withPort(Arguments.integer("port", port, 0, 65535))
                .withUpstream(Arguments.uri("upstream", upstreamUrl))
                .withMaxWait(Duration.ofSeconds(Arguments.integer("max wait", maxWait, 0, 86_400)))
                .withFailoverTimeout(Duration.ofSeconds(Arguments.integer("failover timeout", failoverTimeout, 1, 86_400)))
                .withAttemptTimeout(Duration.ofSeconds(Arguments.integer("attempt timeout", attemptTimeout, 0, 86_400)))
                .withIdleTimeout(Duration.ofSeconds(Arguments.integer("idle timeout", idleTimeout, 1, 86_400)))
                .withMaxBodyBytes(Arguments.integer("max body size in MiB", maxBodyMib, 1, 2047) * 1024L * 1024L)
                .withMaxInFlightPerKey(Arguments.integer("max in-flight per key", maxInFlightPerKey, 0, 1_000_000));
        Path ownDir = paths.ownDir();
        ServeLock lock = ServeLock.tryAcquire(ownDir).orElseThrow(() -> alreadyServing(ownDir));
        ProxyServer server = null;
        ServeFile serveFile;
        AccountsStore store;
        HealthPolicy policy;
        try {
            if (!noAuth) {
                config = config.withToken(LocalToken.loadOrCreate(ownDir));
            }
            store = context().get(AccountsStore.class);
            policy = context().get(HealthPolicy.class);
            server = new ProxyServer(config, store, context().get(KeySelector.class), policy);
            server.start();
            // The lock is ours, so a serve.json found here was left by a proxy that is gone: replace it.
            serveFile = ServeFile.write(ownDir, new ServeFile.Info(server.uri(), ProcessHandle.current().pid(),
                    context().get(Clock.class).instant()));
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            lock.close();
            throw e;
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
        printBanner(url, config, store.read(), policy);
        stopped.await();
        return 0;
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
        String program = context().programName();
        long usable = state.accounts().stream().filter(a -> policy.status(a) != KeyStatus.DISABLED
                && policy.status(a) != KeyStatus.LIMITED).count();
        out.println("Listening on " + url + " (upstream " + config.upstream() + ")");
        out.println("Strategy: " + state.effectiveStrategy() + "; usable keys: " + usable + " of " + state.accounts().size());
        if (state.accounts().isEmpty()) {
            out.println("No keys yet: add one with '" + program + " add-key sk-kimi-... \"My Account\"' (picked up while running).");
        } else if (usable == 0) {
            out.println("No key can serve now: see '" + program + " list-keys', or '" + program + " clear-limits all'.");
        }
        out.println(noAuth ? "Auth: off (--no-auth)" : "Auth: local token in " + LocalToken.path(
                context().get(ConfigPaths.class).ownDir()));
        out.println("Client settings: '" + program + " config claude-code' or '" + program + " config opencode'. Stop with Ctrl-C.");
        out.flush();
    }
}
