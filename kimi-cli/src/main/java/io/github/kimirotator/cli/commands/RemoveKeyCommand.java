package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import java.util.ArrayList;
import java.util.List;

public final class RemoveKeyCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("remove-key", "Remove a key by its 0-based index; the active key stays the same key.")
                .parameter("INDEX", "0-based index, as list-keys shows it.");
    }

    @Override
    protected int run() {
        String index = value("INDEX");
        Account[] removed = new Account[1];
        int[] at = new int[1];
        boolean[] wasActive = new boolean[1];
        AccountsState after = context().get(AccountsStore.class).update(state -> {
            int i = Arguments.index(index, state);
            List<Account> accounts = new ArrayList<>(state.accounts());
            removed[0] = accounts.remove(i);
            at[0] = i;
            int active = state.safeActiveIndex();
            wasActive[0] = i == active;
            if (i < active) {
                active--;
            } else if (i == active) {
                active = Math.min(active, Math.max(0, accounts.size() - 1));
            }
            return state.withAccounts(accounts).withActiveIndex(active);
        });
        context().out().println("Removed key " + ListKeysCommand.label(at[0], removed[0].name(), removed[0].key()));
        if (wasActive[0]) {
            if (after.accounts().isEmpty()) {
                context().out().println("That was the last key; add one with: " + context().invocation() + " add-key sk-kimi-...");
            } else {
                Account now = after.accounts().get(after.safeActiveIndex());
                context().out().println("It was the active key; active now: "
                        + ListKeysCommand.label(after.safeActiveIndex(), now.name(), now.key()));
            }
        }
        return 0;
    }
}
