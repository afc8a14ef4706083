package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.Names;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.storage.AccountsStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

public final class AddKeyCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("add-key", "Add a key. KEY may be '-' to read it from stdin (keeps it out of shell history).")
                .parameter("KEY", "The key (sk-kimi-...), or - to read it from stdin.")
                .optionalParameter("NAME", "A name for the key: up to 64 characters, no control or invisible formatting"
                        + " characters (default: Account N).");
    }

    @Override
    protected int run() throws IOException {
        String key = value("KEY");
        String name = value("NAME");
        String theKey = "-".equals(key) ? readKeyFromStdin() : key.strip();
        ApiKeys.validateKey(theKey);
        AccountsStore store = context().get(AccountsStore.class);
        long now = context().get(Clock.class).millis();
        int[] added = new int[1];
        String[] storedName = new String[1];
        store.update(state -> {
            int existing = state.indexOfKey(theKey);
            if (existing >= 0) {
                throw new KimiException(ErrorCode.DUPLICATE_KEY, "key " + ApiKeys.display(theKey)
                        + " is already stored as [" + existing + "] " + Names.escape(state.accounts().get(existing).name()));
            }
            if (state.accounts().size() >= AccountsState.MAX_KEYS) {
                throw new KimiException(ErrorCode.TOO_MANY_KEYS, "cannot add key " + ApiKeys.display(theKey)
                        + ": at most " + AccountsState.MAX_KEYS + " keys can be stored");
            }
            storedName[0] = ApiKeys.normalizeName(name, state.accounts().size() + 1);
            List<Account> accounts = new ArrayList<>(state.accounts());
            accounts.add(Account.newKey(theKey, storedName[0], now));
            added[0] = accounts.size() - 1;
            return state.withAccounts(accounts);
        });
        context().out().println("Added key " + ListKeysCommand.label(added[0], storedName[0], theKey));
        return 0;
    }

    private String readKeyFromStdin() throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(context().environment().in(), StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null || line.isBlank()) {
            throw new KimiException(ErrorCode.INVALID_KEY, "invalid key: nothing was read from stdin");
        }
        return line.strip();
    }
}
