package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.proxy.ProxyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The proxy's options: {@code serve} runs with them, {@code start} and {@code run} pass them to the proxy they start. */
public final class ServeOptions {
    static final String UPSTREAM_VARIABLE = "KIMI_ROTATOR_UPSTREAM";

    /** Every option {@link #addTo} adds that takes a value. */
    static final List<String> VALUED_OPTIONS = List.of("--host", "--port", "--upstream", "--max-wait", "--failover-timeout",
            "--attempt-timeout", "--idle-timeout", "--max-body-mib", "--max-buffered-mib", "--max-in-flight-per-key");

    private final String host;
    private final String port;
    private final String upstream;
    private final boolean noAuth;
    private final String maxWait;
    private final String failoverTimeout;
    private final String attemptTimeout;
    private final String idleTimeout;
    private final String maxBodyMib;
    private final String maxBufferedMib;
    private final String maxInFlightPerKey;

    /** The options as {@code command} (whose model has them, see {@link #addTo}) was given them. */
    ServeOptions(CliCommand command) {
        host = command.value("--host");
        port = command.value("--port");
        upstream = command.value("--upstream");
        noAuth = command.value("--no-auth");
        maxWait = command.value("--max-wait");
        failoverTimeout = command.value("--failover-timeout");
        attemptTimeout = command.value("--attempt-timeout");
        idleTimeout = command.value("--idle-timeout");
        maxBodyMib = command.value("--max-body-mib");
        maxBufferedMib = command.value("--max-buffered-mib");
        maxInFlightPerKey = command.value("--max-in-flight-per-key");
    }

    /** Adds these options to the model of {@code serve}, {@code start} or {@code run}. */
    static CommandModel addTo(CommandModel model) {
        return model
                .option("--host", "H", ProxyConfig.DEFAULT_HOST, "Address to listen on (default: 127.0.0.1).")
                .option("--port", "P", Integer.toString(ProxyConfig.DEFAULT_PORT), "Port (default: 8787; 0 picks a free one).")
                .option("--upstream", "URL", null, "Upstream API (default: $KIMI_ROTATOR_UPSTREAM, else https://api.kimi.com/coding).")
                .flag("--no-auth", "Accept requests without the local token (loopback only).")
                .option("--max-wait", "S", "0", "Wait up to S seconds for a limited key instead of answering 429 (default: 0).")
                .option("--failover-timeout", "S", "120", "Deadline for trying keys, in seconds (default: 120).")
                .option("--attempt-timeout", "S", "0", "Try the next key when one has not started answering within S seconds"
                        + " (default: 0, a key may use the whole failover time; non-streaming answers can take minutes).")
                .option("--idle-timeout", "S", "300", "End a stream after S seconds without data (default: 300).")
                .option("--max-body-mib", "N", "32", "Largest request body in MiB (default: 32).")
                .option("--max-buffered-mib", "N", "256", "Memory all request bodies held at once may take, in MiB; beyond it"
                        + " 503 overloaded_error (default: 256).")
                .option("--max-in-flight-per-key", "N", "0", "Most concurrent requests per key (default: 0, no cap).");
    }

    /**
     * The proxy's configuration (without the token).
     *
     * @throws io.github.kimirotator.api.KimiException {@code INVALID_ARGUMENT} naming the first bad value
     */
    ProxyConfig toConfig(Environment environment) {
        String upstreamUrl = upstream != null ? upstream
                : environment.variable(UPSTREAM_VARIABLE).orElse(ProxyConfig.DEFAULT_UPSTREAM.toString());
        return ProxyConfig.defaults(null)
                .withHost(host)
                .withPort(Arguments.integer("port", port, 0, 65535))
                .withUpstream(Arguments.uri("upstream", upstreamUrl))
                .withMaxWait(Duration.ofSeconds(Arguments.integer("max wait", maxWait, 0, 86_400)))
                .withFailoverTimeout(Duration.ofSeconds(Arguments.integer("failover timeout", failoverTimeout, 1, 86_400)))
                .withAttemptTimeout(Duration.ofSeconds(Arguments.integer("attempt timeout", attemptTimeout, 0, 86_400)))
                .withIdleTimeout(Duration.ofSeconds(Arguments.integer("idle timeout", idleTimeout, 1, 86_400)))
                .withMaxBodyBytes(Arguments.integer("max body size in MiB", maxBodyMib, 1, 2047) * 1024L * 1024L)
                .withMaxBufferedBytes(Arguments.integer("memory for request bodies in MiB", maxBufferedMib, 1, 1_048_576)
                        * 1024L * 1024L)
                .withMaxInFlightPerKey(Arguments.integer("max in-flight per key", maxInFlightPerKey, 0, 1_000_000));
    }

    /** These options as {@code serve} arguments, for a proxy started in the background. */
    List<String> toArgs() {
        List<String> args = new ArrayList<>(List.of("--host", host, "--port", port));
        if (upstream != null) {
            args.addAll(List.of("--upstream", upstream));
        }
        if (noAuth) {
            args.add("--no-auth");
        }
        args.addAll(List.of("--max-wait", maxWait, "--failover-timeout", failoverTimeout, "--attempt-timeout",
                attemptTimeout, "--idle-timeout", idleTimeout, "--max-body-mib", maxBodyMib, "--max-buffered-mib",
                maxBufferedMib, "--max-in-flight-per-key", maxInFlightPerKey));
        return args;
    }

    /**
     * The options given on the command line (not the defaults) as {@code serve} arguments, for a service that should
     * follow later defaults; the upstream also from {@code KIMI_ROTATOR_UPSTREAM}, which a service would not see.
     */
    List<String> givenArgs(CliCommand command, Environment environment) {
        List<String> args = new ArrayList<>();
        for (String name : VALUED_OPTIONS) {
            if (command.given(name)) {
                args.addAll(List.of(name, command.value(name)));
            } else if (name.equals("--upstream") && environment.variable(UPSTREAM_VARIABLE).isPresent()) {
                args.addAll(List.of(name, environment.variable(UPSTREAM_VARIABLE).get()));
            }
        }
        if (noAuth) {
            args.add("--no-auth");
        }
        return args;
    }

    boolean noAuth() {
        return noAuth;
    }
}
