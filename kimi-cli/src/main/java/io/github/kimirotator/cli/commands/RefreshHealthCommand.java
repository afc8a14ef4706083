package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import picocli.CommandLine.Command;

@Command(name = "refresh-health", description = "Apply health recovery now, whatever auto-refresh says.")
public final class RefreshHealthCommand extends CliCommand {

    @Override
    protected int run() {
        HealthPolicy policy = context().get(HealthPolicy.class);
        int[] recovered = new int[1];
        context().get(AccountsStore.class).update(state -> {
            AccountsState after = policy.recoverAll(state);
            for (int i = 0; i < state.accounts().size(); i++) {
                if (after.accounts().get(i).healthScore() != state.accounts().get(i).healthScore()) {
                    recovered[0]++;
                }
            }
            return after;
        });
        context().out().println("Health refreshed: " + recovered[0] + " key" + (recovered[0] == 1 ? "" : "s") + " recovered");
        return 0;
    }
}
