package io.github.kimirotator.storage.backup;

import io.github.kimirotator.api.AccountsState;
import java.util.Objects;

/**
 * The settings a backup carries, with the meaning they have in {@link AccountsState}: {@code rotationStrategy}
 * is always one of the seed's names, {@code strategy} is ours ({@code null} when the seed's is in force).
 */
public record BackupSettings(
        String rotationStrategy,
        String strategy,
        boolean autoRefreshHealth,
        int healthRefreshCooldownMinutes) {

    public BackupSettings {
        Objects.requireNonNull(rotationStrategy, "rotationStrategy");
    }

    static BackupSettings of(AccountsState state) {
        return new BackupSettings(state.rotationStrategy(), state.strategy(), state.autoRefreshHealth(),
                state.healthRefreshCooldownMinutes());
    }
}
