package io.github.kimirotator.cli.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.github.kimirotator.cli.Environment;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.KeySelector;
import io.github.kimirotator.strategies.StrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bindings of kimi-strategies: the strategy registry and the key selector of the commands (the health policy is in
 * {@link CliModule}); {@code serve} makes its own selector, which logs.
 */
public final class StrategiesModule extends AbstractModule {

    @Provides
    @Singleton
    StrategyRegistry strategyRegistry(Environment environment, ConfigPaths paths) {
        List<Path> pluginDirs = new ArrayList<>();
        environment.distHome().ifPresent(home -> pluginDirs.add(home.resolve("plugins")));
        pluginDirs.add(paths.ownDirPath().resolve("plugins"));
        return new io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry(pluginDirs);
    }

    @Provides
    @Singleton
    KeySelector keySelector(StrategyRegistry registry, HealthPolicy policy, Environment environment) {
        // A command's warnings are the CLI's one-line 'warning: ' on stderr, not log lines ('serve' logs its own).
        return new DefaultKeySelector(registry, policy, warning -> environment.err().println("warning: " + warning));
    }
}
