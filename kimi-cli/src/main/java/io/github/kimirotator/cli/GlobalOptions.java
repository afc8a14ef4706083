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
            description = "Shared key state on Redis: not available in this version (refused).")
    String state;

    @Option(names = "--json", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Machine-readable output (list-keys, stats, strategies).")
    boolean json;

    @Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "More detail, and stack traces on errors.")
    boolean verbose;

    public String state() {
        return state;
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
