package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;

public final class SetAutoRefreshCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("set-auto-refresh", "Turn automatic health recovery on or off.")
                .parameter("true|false", "true: recover health by itself, +10 per cooldown period; false: only with refresh-health.");
    }

    @Override
    protected int run() {
        String value = value("true|false");
        boolean on = Arguments.bool("auto-refresh setting", value);
        context().get(AccountsStore.class).update(state ->
                state.autoRefreshHealth() == on ? state : state.withAutoRefreshHealth(on));
        context().out().println("Health auto-refresh: " + (on ? "enabled" : "disabled"));
        return 0;
    }
}
