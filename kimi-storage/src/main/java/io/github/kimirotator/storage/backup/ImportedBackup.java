package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.Account;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** What a decrypted backup holds: its accounts with their statistics, its settings and when it was made. */
public record ImportedBackup(BackupFormat format, Instant exportedAt, List<Account> accounts, BackupSettings settings) {

    public ImportedBackup {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(exportedAt, "exportedAt");
        accounts = List.copyOf(accounts);
        Objects.requireNonNull(settings, "settings");
    }
}
