package io.github.kimirotator.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command accepts, before or after the command name. */
public final class GlobalOptions {
    public static final String STATE_VARIABLE = "KIMI_ROTATOR_STATE";

    @Option(names = "--config", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Accounts file (default: $KIMI_ROTATOR_CONFIG, else ~/.config/opencode/kimi-accounts.json).")
    Path config;

    @Option(names = "--state", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Share the keys' state between proxies on Redis: redis://HOST:PORT[/DB] or rediss://… "
                    + "(default: $KIMI_ROTATOR_STATE; absent: the accounts file alone).")
    String state;

    @Option(names = "--state-prefix", paramLabel = "PREFIX", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Prefix of every Redis key, to let several teams share one Redis (default: kimi-rotator:).")
    String statePrefix;

    @Option(names = "--json", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Machine-readable output (list-keys, stats, strategies).")
    boolean json;

    @Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "More detail, and stack traces on errors.")
    boolean verbose;

    /** The {@code --state} URL as given, or null. */
    public String state() {
        return state;
    }

    /** The {@code --state-prefix} as given, or null. */
    public String statePrefix() {
        return statePrefix;
    }

    public Path config() {
        return config;
    }

    public boolean json() {
        return json;
    }

    public boolean verbose() {
        return verbose;
    }
}
