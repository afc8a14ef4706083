package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.AccountsState;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link BackupMerge#merge}: the state to write, how many keys were added, how many were
 * skipped because the key was already there, how many imported names were cleaned to follow the name rule,
 * the strategy restored from the backup ({@code null} when the settings were left alone), and one line for
 * each key left out because it breaks the key rules (the seed accepted any key; these lines show keys only
 * through {@code ApiKeys.display}).
 */
public record ImportResult(AccountsState state, int imported, int skipped, int cleaned, String restoredStrategy,
        List<String> rejected) {

    public ImportResult {
        Objects.requireNonNull(state, "state");
        rejected = List.copyOf(rejected);
    }
}
