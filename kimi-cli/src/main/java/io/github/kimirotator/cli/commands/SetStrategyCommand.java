package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.StrategyRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "set-strategy", description = "Choose the rotation strategy (see 'strategies' for the names).")
public final class SetStrategyCommand extends CliCommand {
    @Parameters(paramLabel = "NAME", description = "A built-in or plugin strategy name.")
    String name;

    @Override
    protected int run() {
        StrategyRegistry registry = context().get(StrategyRegistry.class);
        registry.warnings().forEach(w -> context().err().println("warning: " + w));
        if (!registry.names().contains(name)) {
            throw new KimiException(ErrorCode.UNKNOWN_STRATEGY, "unknown strategy '" + name + "'; valid: "
                    + String.join(", ", registry.names().stream().sorted().toList()));
        }
        context().get(AccountsStore.class).update(state ->
                name.equals(state.effectiveStrategy()) ? state : state.withStrategy(name));
        context().out().println("Strategy: " + name);
        return 0;
    }
}
