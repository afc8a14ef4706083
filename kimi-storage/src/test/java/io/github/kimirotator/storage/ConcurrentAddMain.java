package io.github.kimirotator.storage;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the processes of {@link TestAccountsFileAcrossProcesses}: adds one key to the accounts file. Loads
 * its classes first, says {@code ready}, and starts the update only when the start signal file appears, so
 * that all processes contend for the lock at the same moment.
 *
 * <p>Arguments: accounts file, key, start signal file.
 */
public final class ConcurrentAddMain {
    private ConcurrentAddMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String key = args[1];
        Path startSignal = Path.of(args[2]);
        AccountsFile store = new AccountsFile(file, Clock.systemUTC());
        AccountsJson.format(store.read());
        System.out.println("ready");
        System.out.flush();

        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(startSignal)) {
            if (System.nanoTime() > deadline) {
                System.err.println("no start signal");
                System.exit(3);
            }
            Thread.sleep(2);
        }
        store.update(state -> {
            List<Account> accounts = new ArrayList<>(state.accounts());
            accounts.add(Account.newKey(key, "proc " + key.substring(key.length() - 4), System.currentTimeMillis()));
            return state.withAccounts(accounts);
        });
        AccountsState after = store.read();
        System.exit(after.indexOfKey(key) >= 0 ? 0 : 4);
    }
}
