package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.proxy.ProxyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The proxy's options: {@code serve} runs with them, {@code start} and {@code run} pass them to the proxy they start. */
public final class ServeOptions {
    static final String UPSTREAM_VARIABLE = "KIMI_ROTATOR_UPSTREAM";

    /**
     * Every option, in the order of the help and of the arguments made of them: a flag has no label and goes to
     * the arguments as its name alone (when given), every other option as its name and its value.
     */
    enum Option {
        HOST("--host", "H", ProxyConfig.DEFAULT_HOST, "Address to listen on (default: 127.0.0.1)."),
        PORT("--port", "P", Integer.toString(ProxyConfig.DEFAULT_PORT), "Port (default: 8787; 0 picks a free one)."),
        /** Not given, it is taken from {@code KIMI_ROTATOR_UPSTREAM}, as if given. */
        UPSTREAM("--upstream", "URL", null, "Upstream API (default: $KIMI_ROTATOR_UPSTREAM, else https://api.kimi.com/coding)."),
        NO_AUTH("--no-auth", null, null, "Accept requests without the local token (loopback only)."),
        MAX_WAIT("--max-wait", "S", "0", "Wait up to S seconds for a limited key instead of answering 429 (default: 0)."),
        FAILOVER_TIMEOUT("--failover-timeout", "S", "120", "Deadline for trying keys, in seconds (default: 120)."),
        ATTEMPT_TIMEOUT("--attempt-timeout", "S", "0", "Try the next key when one has not started answering within S seconds"
                + " (default: 0, a key may use the whole failover time; non-streaming answers can take minutes)."),
        IDLE_TIMEOUT("--idle-timeout", "S", "300", "End a stream after S seconds without data (default: 300)."),
        MAX_BODY_MIB("--max-body-mib", "N", "32", "Largest request body in MiB (default: 32)."),
        MAX_BUFFERED_MIB("--max-buffered-mib", "N", "256", "Memory all request bodies held at once may take, in MiB; beyond it"
                + " 503 overloaded_error (default: 256)."),
        MAX_IN_FLIGHT_PER_KEY("--max-in-flight-per-key", "N", "0", "Most concurrent requests per key (default: 0, no cap).");

        final String name;
        /** The value's label in the help; null for a flag. */
        final String label;
        final String initial;
        final String description;

        Option(String name, String label, String initial, String description) {
            this.name = name;
            this.label = label;
            this.initial = initial;
            this.description = description;
        }

        boolean isFlag() {
            return label == null;
        }
    }

    /** What a flag's value is when it is given. */
    private static final String ON = "true";

    /** The value of each option that has one (a flag's is {@link #ON}, only when given). */
    private final Map<Option, String> values;
    /** The options given on the command line, and the upstream when it comes from its variable. */
    private final Set<Option> given;

    ServeOptions(Map<Option, String> values, Set<Option> given) {
        this.values = new EnumMap<>(Option.class);
        this.values.putAll(values);
        this.given = given.isEmpty() ? EnumSet.noneOf(Option.class) : EnumSet.copyOf(given);
    }

    /** The options as {@code command} (whose model has them, see {@link #addTo}) was given them, in {@code environment}. */
    static ServeOptions of(CliCommand command, Environment environment) {
        Map<Option, String> values = new EnumMap<>(Option.class);
        Set<Option> given = EnumSet.noneOf(Option.class);
        for (Option option : Option.values()) {
            if (command.given(option.name)) {
                given.add(option);
            }
            if (option.isFlag()) {
                if (command.<Boolean>value(option.name)) {
                    values.put(option, ON);
                }
            } else if (command.value(option.name) != null) {
                values.put(option, command.value(option.name));
            }
        }
        if (!given.contains(Option.UPSTREAM) && environment.variable(UPSTREAM_VARIABLE).isPresent()) {
            values.put(Option.UPSTREAM, environment.variable(UPSTREAM_VARIABLE).get());
            given.add(Option.UPSTREAM);
        }
        return new ServeOptions(values, given);
    }

    /** Adds these options to the model of {@code serve}, {@code start} or {@code run}. */
    static CommandModel addTo(CommandModel model) {
        for (Option option : Option.values()) {
            if (option.isFlag()) {
                model.flag(option.name, option.description);
            } else {
                model.option(option.name, option.label, option.initial, option.description);
            }
        }
        return model;
    }

    /**
     * The proxy's configuration (without the token).
     *
     * @throws io.github.kimirotator.api.KimiException {@code INVALID_ARGUMENT} naming the first bad value
     */
    ProxyConfig toConfig() {
        return ProxyConfig.defaults(null)
                .withHost(values.get(Option.HOST))
                .withPort(Arguments.integer("port", values.get(Option.PORT), 0, 65535))
                .withUpstream(Arguments.uri("upstream", values.getOrDefault(Option.UPSTREAM, ProxyConfig.DEFAULT_UPSTREAM.toString())))
                .withMaxWait(seconds("max wait", Option.MAX_WAIT, 0))
                .withFailoverTimeout(seconds("failover timeout", Option.FAILOVER_TIMEOUT, 1))
                .withAttemptTimeout(seconds("attempt timeout", Option.ATTEMPT_TIMEOUT, 0))
                .withIdleTimeout(seconds("idle timeout", Option.IDLE_TIMEOUT, 1))
                .withMaxBodyBytes(Arguments.integer("max body size in MiB", values.get(Option.MAX_BODY_MIB), 1, 2047) * 1024L * 1024L)
                .withMaxBufferedBytes(Arguments.integer("memory for request bodies in MiB", values.get(Option.MAX_BUFFERED_MIB),
                        1, 1_048_576) * 1024L * 1024L)
                .withMaxInFlightPerKey(Arguments.integer("max in-flight per key", values.get(Option.MAX_IN_FLIGHT_PER_KEY), 0, 1_000_000));
    }

    private Duration seconds(String what, Option option, int min) {
        return Duration.ofSeconds(Arguments.integer(what, values.get(option), min, 86_400));
    }

    /** All these options (given or not) as {@code serve} arguments, for a proxy started in the background. */
    List<String> allArgs() {
        return args(option -> true);
    }

    /**
     * The options given (not the defaults) as {@code serve} arguments, for a service that should follow later
     * defaults; the upstream also when it comes from {@code KIMI_ROTATOR_UPSTREAM}, which a service would not see.
     */
    List<String> givenArgs() {
        return args(given::contains);
    }

    /** The options {@code include} accepts that have a value, as {@code serve} arguments. */
    private List<String> args(Predicate<Option> include) {
        List<String> args = new ArrayList<>();
        for (Option option : Option.values()) {
            if (values.containsKey(option) && include.test(option)) {
                args.add(option.name);
                if (!option.isFlag()) {
                    args.add(values.get(option));
                }
            }
        }
        return args;
    }

    boolean noAuth() {
        return values.containsKey(Option.NO_AUTH);
    }
}
