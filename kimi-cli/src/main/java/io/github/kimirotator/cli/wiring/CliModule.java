package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.cli.GlobalOptions;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
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
}
