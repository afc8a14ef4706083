package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.Names;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.health.KeyStatus;
import java.time.Duration;
import java.time.Instant;

public final class UseKeyCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("use-key", "Make a key the active one.")
                .parameter("INDEX", "0-based index, as list-keys shows it.");
    }

    @Override
    protected int run() {
        String index = value("INDEX");
        Account[] chosen = new Account[1];
        int[] at = new int[1];
        context().get(AccountsStore.class).update(state -> {
            at[0] = Arguments.index(index, state);
            chosen[0] = state.accounts().get(at[0]);
            return state.activeIndex() == at[0] ? state : state.withActiveIndex(at[0]);
        });
        Account key = chosen[0];
        String label = "[" + at[0] + "] " + Names.escape(key.name());
        context().out().println("Active key: " + ListKeysCommand.label(at[0], key.name(), key.key()));
        HealthPolicy policy = context().get(HealthPolicy.class);
        String clear = "'" + context().invocation() + " clear-limits " + at[0] + "'";
        KeyStatus status = policy.status(key);
        if (status == KeyStatus.DISABLED) {
            context().err().println("warning: key " + label + " is disabled (" + reason(key, "rejected by the upstream")
                    + "): the proxy skips it until " + clear);
        } else if (status == KeyStatus.LIMITED) {
            long now = policy.clock().millis();
            context().err().println("warning: key " + label + " is limited (" + reason(key, "rate or billing limit")
                    + "): the proxy skips it for " + ListKeysCommand.human(Duration.ofMillis(key.limitedUntil() - now))
                    + ", until " + Instant.ofEpochMilli(key.limitedUntil()) + ", or until " + clear);
        }
        return 0;
    }

    private static String reason(Account key, String otherwise) {
        return key.limitReason() == null ? otherwise : Names.escape(key.limitReason());
    }
}
