package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.StrategyRegistry;

public final class SetStrategyCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("set-strategy", "Choose the rotation strategy (see 'strategies' for the names).")
                .parameter("NAME", "A built-in or plugin strategy name.");
    }

    @Override
    protected int run() {
        String name = value("NAME");
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
