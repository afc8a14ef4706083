package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;

public final class SetCooldownCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("set-cooldown", "Minutes per health recovery step (+10), 1 to 1440.")
                .parameter("MINUTES", "Whole minutes from 1 to 1440 (default 30).");
    }

    @Override
    protected int run() {
        String minutes = value("MINUTES");
        int value = Arguments.integer("cooldown", minutes, AccountsState.MIN_COOLDOWN_MINUTES, AccountsState.MAX_COOLDOWN_MINUTES);
        context().get(AccountsStore.class).update(state ->
                state.healthRefreshCooldownMinutes() == value ? state : state.withCooldownMinutes(value));
        context().out().println("Health refresh cooldown: " + value + " minutes");
        return 0;
    }
}
