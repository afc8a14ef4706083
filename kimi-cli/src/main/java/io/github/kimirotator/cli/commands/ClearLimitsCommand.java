package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.util.List;

public final class ClearLimitsCommand extends CliCommand {
    private static final String EXPECTED = "a number or all";

    @Override
    protected CommandModel model() {
        return command("clear-limits", "Clear rate/billing limits and re-enable disabled keys.")
                .parameter("INDEX|all", "0-based index, as list-keys shows it, or all (in any case) for every key.");
    }

    @Override
    protected int run() {
        String target = value("INDEX|all");
        String[] what = new String[1];
        boolean all = "all".equals(Arguments.keyword(target));
        AccountsStore store = context().get(AccountsStore.class);
        // The shared state first: when it cannot be reached, the file stays as it was.
        AccountsState current = store.read();
        context().clearSharedLimits(all ? current.accounts().stream().map(Account::key).toList()
                : List.of(current.accounts().get(Arguments.index(target, current, EXPECTED)).key()));
        store.update(state -> {
            if (all) {
                List<Account> cleared = state.accounts().stream().map(HealthPolicy::clearLimits).toList();
                what[0] = cleared.isEmpty() ? null : "all " + cleared.size() + (cleared.size() == 1 ? " key" : " keys");
                return state.withAccounts(cleared);
            }
            int i = Arguments.index(target, state, EXPECTED);
            what[0] = "key [" + i + "] " + Names.escape(state.accounts().get(i).name());
            return state.withAccount(i, HealthPolicy::clearLimits);
        });
        if (what[0] == null) {
            context().out().println("There are no keys, so no limits to clear. Add one with: "
                    + context().invocation() + " add-key sk-kimi-... \"My Account\"");
            return 0;
        }
        context().out().println("Limits cleared for " + what[0]);
        return 0;
    }
}
