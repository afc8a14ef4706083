package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "set-cooldown", description = "Minutes per health recovery step (+10), 1 to 1440.")
public final class SetCooldownCommand extends CliCommand {
    @Parameters(paramLabel = "MINUTES", description = "Whole minutes from 1 to 1440 (default 30).")
    String minutes;

    @Override
    protected int run() {
        int value = Arguments.integer("cooldown", minutes, AccountsState.MIN_COOLDOWN_MINUTES, AccountsState.MAX_COOLDOWN_MINUTES);
        context().get(AccountsStore.class).update(state ->
                state.healthRefreshCooldownMinutes() == value ? state : state.withCooldownMinutes(value));
        context().out().println("Health refresh cooldown: " + value + " minutes");
        return 0;
    }
}
