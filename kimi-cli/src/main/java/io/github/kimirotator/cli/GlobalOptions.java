package io.github.kimirotator.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command accepts, before or after the command name. */
public final class GlobalOptions {
    @Option(names = "--config", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Accounts file (default: $KIMI_ROTATOR_CONFIG, else ~/.config/opencode/kimi-accounts.json).")
    Path config;

    @Option(names = "--state", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Shared key state (redis://...); default: the accounts file.")
    String state;

    @Option(names = "--json", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Machine-readable output (list-keys, stats, strategies).")
    boolean json;

    @Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "More detail, and stack traces on errors.")
    boolean verbose;

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
