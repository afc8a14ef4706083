package io.github.kimirotator.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the command name: the root command has them, and picocli
 * copies them into every command, sharing their values.
 */
public final class GlobalOptions {
    public static final String STATE_VARIABLE = "KIMI_ROTATOR_STATE";

    private final OptionSpec config = withValue("--config", "FILE", Path.class,
            "Accounts file (default: $KIMI_ROTATOR_CONFIG, else ~/.config/opencode/kimi-accounts.json).");
    private final OptionSpec state = withValue("--state", "URL", String.class,
            "Share the keys' state between proxies on Redis: redis://HOST:PORT[/DB] or rediss://… "
                    + "(default: $KIMI_ROTATOR_STATE; absent: the accounts file alone).");
    private final OptionSpec statePrefix = withValue("--state-prefix", "PREFIX", String.class,
            "Prefix of every Redis key, to let several teams share one Redis (default: kimi-rotator:).");
    private final OptionSpec json = flag("--json", "Machine-readable output (list-keys, stats, strategies).");
    private final OptionSpec verbose = flag("--verbose", "More detail, and stack traces on errors.");

    /** Adds these options to the root command, in the order its help lists them. */
    void addTo(CommandModel root) {
        for (OptionSpec option : new OptionSpec[] {config, state, statePrefix, json, verbose}) {
            root.spec().addOption(option);
        }
    }

    private static OptionSpec withValue(String name, String label, Class<?> type, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(type).scopeType(ScopeType.INHERIT)
                .description(description).build();
    }

    private static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name).arity("0").type(boolean.class).initialValue(false).scopeType(ScopeType.INHERIT)
                .description(description).build();
    }

    /** The {@code --state} URL as given, or null. */
    public String state() {
        return state.getValue();
    }

    /** The {@code --state-prefix} as given, or null. */
    public String statePrefix() {
        return statePrefix.getValue();
    }

    public Path config() {
        return config.getValue();
    }

    public boolean json() {
        return Boolean.TRUE.equals(json.getValue());
    }

    public boolean verbose() {
        return Boolean.TRUE.equals(verbose.getValue());
    }
}
