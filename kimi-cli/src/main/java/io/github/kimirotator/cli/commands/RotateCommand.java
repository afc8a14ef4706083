package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.strategy.Selection;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.health.HealthPolicy;

public final class RotateCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("rotate", "Switch the active key to another eligible key, chosen by the strategy in force.");
    }

    @Override
    protected int run() {
        KeySelector selector = context().get(KeySelector.class);
        HealthPolicy policy = context().get(HealthPolicy.class);
        int[] to = new int[1];
        Account[] chosen = new Account[1];
        context().get(AccountsStore.class).update(stored -> {
            if (stored.accounts().isEmpty()) {
                throw new KimiException(ErrorCode.NO_USABLE_KEYS, "there are no keys; add one with '" + context().invocation() + " add-key KEY'");
            }
            var state = policy.autoRecover(stored);
            Selection selection = selector.rotate(state);
            if (selection instanceof Selection.Chosen c) {
                to[0] = c.index();
                chosen[0] = state.accounts().get(c.index());
                return state.withActiveIndex(c.index());
            }
            Selection.NoneEligible none = (Selection.NoneEligible) selection;
            throw new KimiException(ErrorCode.NO_USABLE_KEYS, "no other key can be used now"
                    + none.soonestFree().map(at -> "; the next one frees up at " + at).orElse("")
                    + " (see '" + context().invocation() + " list-keys')");
        });
        context().out().println("Rotated to key " + ListKeysCommand.label(to[0], chosen[0].name(), chosen[0].key()));
        return 0;
    }
}
