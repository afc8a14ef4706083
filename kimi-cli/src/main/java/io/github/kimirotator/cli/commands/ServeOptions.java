package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.proxy.ProxyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The proxy's options: {@code serve} runs with them, {@code start} and {@code run} pass them to the proxy they start. */
public final class ServeOptions {
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

    @Option(names = "--max-buffered-mib", paramLabel = "N", description = "Memory all request bodies held at once may take, in MiB; beyond it 503 overloaded_error (default: 256).")
    String maxBufferedMib = "256";

    @Option(names = "--max-in-flight-per-key", paramLabel = "N", description = "Most concurrent requests per key (default: 0, no cap).")
    String maxInFlightPerKey = "0";

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

    boolean noAuth() {
        return noAuth;
    }
}
