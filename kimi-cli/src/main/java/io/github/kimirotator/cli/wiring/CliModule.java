package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.cli.GlobalOptions;
import io.github.kimirotator.storage.ConfigPaths;
import java.time.Clock;

/** Bindings of kimi-cli itself: the outside world and where the files are. */
public final class CliModule extends AbstractModule {
    private final Environment environment;
    private final GlobalOptions options;

    public CliModule(Environment environment, GlobalOptions options) {
        this.environment = environment;
        this.options = options;
    }

    @Override
    protected void configure() {
        bind(Environment.class).toInstance(environment);
        bind(GlobalOptions.class).toInstance(options);
        bind(Clock.class).toInstance(environment.clock());
    }

    @Provides
    @Singleton
    ConfigPaths configPaths() {
        return new ConfigPaths(options.config() == null ? null : options.config().toString(), environment.variables(),
                environment.home());
    }
}
