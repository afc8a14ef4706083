package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "set-auto-refresh", description = "Turn automatic health recovery on or off.")
public final class SetAutoRefreshCommand extends CliCommand {
    @Parameters(paramLabel = "true|false", description = "true: recover health by itself, +10 per cooldown period; false: only with refresh-health.")
    String value;

    @Override
    protected int run() {
        boolean on = Arguments.bool("value", value);
        context().get(AccountsStore.class).update(state ->
                state.autoRefreshHealth() == on ? state : state.withAutoRefreshHealth(on));
        context().out().println("Health auto-refresh: " + (on ? "enabled" : "disabled"));
        return 0;
    }
}
