package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.cli.GlobalOptions;
import io.github.kimirotator.cli.TerminalLockWatcher;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.storage.state.FileKeyState;
import io.github.kimirotator.storage.state.KeyStates;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;

/** Bindings of kimi-storage. */
public final class StorageModule extends AbstractModule {

    @Provides
    @Singleton
    AccountsStore accountsStore(ConfigPaths paths, Clock clock, Environment environment) {
        return new AccountsFile(paths.accountsFile(), clock, new TerminalLockWatcher(environment.err()));
    }

    /**
     * Where the keys' state is shared: Redis when {@code --state} or {@code KIMI_ROTATOR_STATE} names it, else
     * only the accounts file. Lettuce is loaded only in the first case.
     */
    @Provides
    @Singleton
    KeyStateBackend keyState(GlobalOptions options, Environment environment, HealthPolicy policy) {
        String url = options.state() != null ? options.state()
                : environment.variable(KeyStates.STATE_VARIABLE).filter(v -> !v.isBlank()).orElse(null);
        if (url == null) {
            return new FileKeyState(policy.clock());
        }
        return KeyStates.open(url, options.statePrefix(), environment.variables(), policy);
    }
}
