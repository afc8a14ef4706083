package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** How an imported backup joins the accounts already there. */
public final class BackupMerge {

    private BackupMerge() {
    }

    /**
     * {@code current} with the backup's new keys appended (statistics and all) and its settings applied.
     * A key already present is skipped and its account left as it is; so is a second copy inside the backup.
     * A key that breaks the key rules is left out and reported. The active key stays the same.
     *
     * @throws KimiException {@link ErrorCode#TOO_MANY_KEYS} when the result would hold more than
     *     {@link AccountsState#MAX_KEYS} keys; then nothing is imported
     */
    public static ImportResult merge(AccountsState current, ImportedBackup backup) {
        List<Account> merged = new ArrayList<>(current.accounts());
        Set<String> present = new HashSet<>();
        merged.forEach(account -> present.add(account.key()));
        int skipped = 0;
        List<String> rejected = new ArrayList<>();
        List<Account> incoming = backup.accounts();
        for (int i = 0; i < incoming.size(); i++) {
            Account account = incoming.get(i);
            if (!present.add(account.key())) {
                skipped++;
                continue;
            }
            try {
                ApiKeys.validateKey(account.key());
                merged.add(account);
            } catch (KimiException e) {
                rejected.add("backup account " + i + " (" + account.name() + ") left out: " + e.getMessage());
            }
        }
        int imported = merged.size() - current.accounts().size();
        if (merged.size() > AccountsState.MAX_KEYS) {
            throw new KimiException(ErrorCode.TOO_MANY_KEYS, "importing " + imported + " new keys would make "
                    + merged.size() + " keys, at most " + AccountsState.MAX_KEYS + " are allowed; nothing was imported");
        }
        BackupSettings settings = backup.settings();
        AccountsState next = current.withAccounts(merged)
                .withStrategy(settings.rotationStrategy())
                .withAutoRefreshHealth(settings.autoRefreshHealth())
                .withCooldownMinutes(settings.healthRefreshCooldownMinutes());
        if (settings.strategy() != null) {
            next = next.withStrategy(settings.strategy());
        }
        return new ImportResult(next, imported, skipped, rejected);
    }
}
