package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "clear-limits", description = "Clear rate/billing limits and re-enable disabled keys.")
public final class ClearLimitsCommand extends CliCommand {
    @Parameters(paramLabel = "INDEX|all")
    String target;

    @Override
    protected int run() {
        String[] what = new String[1];
        context().get(AccountsStore.class).update(state -> {
            if ("all".equals(target)) {
                List<Account> cleared = state.accounts().stream().map(HealthPolicy::clearLimits).toList();
                what[0] = "all " + cleared.size() + " keys";
                return state.withAccounts(cleared);
            }
            int i = Arguments.index(target, state);
            what[0] = "key [" + i + "] " + state.accounts().get(i).name();
            return state.withAccount(i, HealthPolicy::clearLimits);
        });
        context().out().println("Limits cleared for " + what[0]);
        return 0;
    }
}
