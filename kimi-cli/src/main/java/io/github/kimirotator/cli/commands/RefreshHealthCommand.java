package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.util.ArrayList;
import java.util.List;

public final class RefreshHealthCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("refresh-health", "Apply health recovery now, whatever auto-refresh says.");
    }

    @Override
    protected int run() {
        HealthPolicy policy = context().get(HealthPolicy.class);
        List<String> recovered = new ArrayList<>();
        context().get(AccountsStore.class).update(state -> {
            AccountsState after = policy.recoverAll(state);
            recovered.clear();
            for (int i = 0; i < state.accounts().size(); i++) {
                int before = state.accounts().get(i).healthScore();
                int now = after.accounts().get(i).healthScore();
                if (now != before) {
                    recovered.add("  [" + i + "] " + Names.escape(state.accounts().get(i).name()) + ": " + before + "% → " + now + "%");
                }
            }
            return after;
        });
        int n = recovered.size();
        context().out().println("Health refreshed: " + n + " key" + (n == 1 ? "" : "s") + " recovered" + (n == 0 ? "" : ":"));
        recovered.forEach(context().out()::println);
        return 0;
    }
}
