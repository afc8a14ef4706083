package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.cli.TerminalLockWatcher;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import java.time.Clock;

/** Bindings of kimi-storage. */
public final class StorageModule extends AbstractModule {

    @Provides
    @Singleton
    AccountsStore accountsStore(ConfigPaths paths, Clock clock, Environment environment) {
        return new AccountsFile(paths.accountsFile(), clock, new TerminalLockWatcher(environment.err()));
    }
}
