package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.cli.GlobalOptions;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.storage.state.FileKeyState;
import io.github.kimirotator.storage.state.KeyStates;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;

/**
 * Bindings of kimi-cli itself: the outside world, where the files are, and the objects every command uses
 * (the accounts file of kimi-storage, the health rules of kimi-strategies). Those are made by the
 * {@link CliContext} without Guice, so that commands that only read or change keys never build an injector;
 * the injector hands out the very same objects.
 */
public final class CliModule extends AbstractModule {
    private final CliContext context;

    public CliModule(CliContext context) {
        this.context = context;
    }

    @Override
    protected void configure() {
        bind(Environment.class).toInstance(context.environment());
        bind(GlobalOptions.class).toInstance(context.options());
        bind(Clock.class).toInstance(context.clock());
        bind(ConfigPaths.class).toProvider(context::paths);
        bind(AccountsStore.class).toProvider(context::accounts);
        bind(HealthPolicy.class).toProvider(context::healthPolicy);
    }

    /**
     * Where the keys' state is shared: Redis when {@code --state} or {@code KIMI_ROTATOR_STATE} names it, else
     * only the accounts file. Lettuce is loaded only in the first case.
     */
    @Provides
    @Singleton
    KeyStateBackend keyState(HealthPolicy policy) {
        String url = context.stateUrl();
        if (url == null) {
            return new FileKeyState(policy.clock());
        }
        return KeyStates.open(url, context.options().statePrefix(), context.environment().variables(), policy);
    }
}
