package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "use-key", description = "Make a key the active one.")
public final class UseKeyCommand extends CliCommand {
    @Parameters(paramLabel = "INDEX", description = "0-based index, as list-keys shows it.")
    String index;

    @Override
    protected int run() {
        Account[] chosen = new Account[1];
        int[] at = new int[1];
        context().get(AccountsStore.class).update(state -> {
            at[0] = Arguments.index(index, state);
            chosen[0] = state.accounts().get(at[0]);
            return state.activeIndex() == at[0] ? state : state.withActiveIndex(at[0]);
        });
        context().out().println("Active key: [" + at[0] + "] " + Names.escape(chosen[0].name()) + " (" + ApiKeys.display(chosen[0].key()) + ")");
        return 0;
    }
}
