package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.Names;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** How an imported backup joins the accounts already there. */
public final class BackupMerge {

    private BackupMerge() {
    }

    /**
     * {@code current} with the backup's new keys appended (statistics and all). A key already present is skipped
     * and its account left as it is; so is a second copy inside the backup. A key that breaks the key rules is
     * left out and reported. A name that breaks the name rule is cleaned ({@link Names#clean}) and counted. The
     * active key stays the same. As the seed does, the backup's settings touch ours only when at least one key
     * was imported, and then only its strategy, unless {@code keepSettings}.
     *
     * @throws KimiException {@link ErrorCode#TOO_MANY_KEYS} when the result would hold more than
     *     {@link AccountsState#MAX_KEYS} keys; then nothing is imported
     */
    public static ImportResult merge(AccountsState current, ImportedBackup backup, boolean keepSettings) {
        List<Account> merged = new ArrayList<>(current.accounts());
        Set<String> present = new HashSet<>();
        merged.forEach(account -> present.add(account.key()));
        int skipped = 0;
        int cleaned = 0;
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
            } catch (KimiException e) {
                rejected.add("backup account " + i + " (" + Names.escape(account.name()) + ") left out: " + e.getMessage());
                continue;
            }
            String name = Names.clean(account.name(), merged.size() + 1);
            if (!name.equals(account.name())) {
                cleaned++;
                account = account.toBuilder().name(name).build();
            }
            merged.add(account);
        }
        int imported = merged.size() - current.accounts().size();
        if (merged.size() > AccountsState.MAX_KEYS) {
            throw new KimiException(ErrorCode.TOO_MANY_KEYS, "importing " + imported + " new keys would make "
                    + merged.size() + " keys, at most " + AccountsState.MAX_KEYS + " are allowed; nothing was imported");
        }
        AccountsState next = current.withAccounts(merged);
        String restored = null;
        if (imported > 0 && !keepSettings) {
            BackupSettings settings = backup.settings();
            next = next.withStrategy(settings.rotationStrategy());
            if (settings.strategy() != null) {
                next = next.withStrategy(settings.strategy());
            }
            restored = next.effectiveStrategy();
        }
        return new ImportResult(next, imported, skipped, cleaned, restored, rejected);
    }
}
