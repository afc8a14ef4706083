package io.github.kimirotator.strategies;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;
import io.github.kimirotator.strategies.plugin.DiscoveredStrategy;
import io.github.kimirotator.strategies.plugin.PluginLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@link StrategyRegistry}: built-ins found with {@link ServiceLoader} on this class's own class path, plus
 * the strategies of the plugin jars in the given directories (see {@link PluginLoader}). Everything is found
 * once, in the constructor.
 */
public final class ServiceLoaderStrategyRegistry implements StrategyRegistry {
    public static final String BUILT_IN = "built-in";
    /**
     * The built-ins' names, known without loading anything: a command that only needs to know whether a name is
     * installed need not scan the plugins when it is one of these.
     */
    public static final java.util.Set<String> BUILT_IN_NAMES = java.util.Set.of(
            io.github.kimirotator.strategies.builtin.HealthBasedStrategy.NAME,
            io.github.kimirotator.strategies.builtin.RoundRobinStrategy.NAME,
            io.github.kimirotator.strategies.builtin.StickyStrategy.NAME,
            io.github.kimirotator.strategies.builtin.SessionAffinityStrategy.NAME);

    private final TreeMap<String, DiscoveredStrategy> strategies = new TreeMap<>();
    private final List<String> warnings;

    /**
     * Finds the built-ins and the plugins of {@code pluginDirectories} (the CLI passes {@code <dist>/plugins}
     * and {@code <config dir>/kimi-rotator/plugins}); directories that do not exist are skipped.
     *
     * @throws KimiException {@code PLUGIN_ERROR} when two strategies share one name (naming both sources) or
     *     the built-ins cannot be loaded
     */
    public ServiceLoaderStrategyRegistry(List<Path> pluginDirectories) {
        for (DiscoveredStrategy builtIn : builtIns()) {
            register(builtIn);
        }
        PluginLoader.Result plugins = new PluginLoader().load(pluginDirectories);
        for (DiscoveredStrategy plugin : plugins.strategies()) {
            register(plugin);
        }
        warnings = plugins.warnings();
    }

    private static List<DiscoveredStrategy> builtIns() {
        List<DiscoveredStrategy> found = new ArrayList<>();
        try {
            for (RotationStrategyProvider p : ServiceLoader.load(RotationStrategyProvider.class,
                    ServiceLoaderStrategyRegistry.class.getClassLoader())) {
                found.add(new DiscoveredStrategy(p.name(), p.description(), BUILT_IN, p));
            }
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            throw new KimiException(ErrorCode.PLUGIN_ERROR,
                    "the strategies on the class path could not be loaded: " + oneLine(e), e);
        }
        return found;
    }

    private void register(DiscoveredStrategy strategy) {
        DiscoveredStrategy other = strategies.putIfAbsent(strategy.name(), strategy);
        if (other != null) {
            throw new KimiException(ErrorCode.PLUGIN_ERROR, "two strategies are named '" + strategy.name()
                    + "': one from " + other.source() + ", one from " + strategy.source()
                    + "; remove one of them");
        }
    }

    @Override
    public List<StrategyInfo> list() {
        return strategies.values().stream()
                .map(s -> new StrategyInfo(s.name(), s.description(), s.source()))
                .toList();
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(strategies.navigableKeySet());
    }

    @Override
    public RotationStrategy create(String name) {
        DiscoveredStrategy s = strategies.get(name);
        if (s == null) {
            throw new KimiException(ErrorCode.UNKNOWN_STRATEGY,
                    "unknown strategy '" + name + "'; valid: " + String.join(", ", strategies.keySet()));
        }
        RotationStrategy strategy;
        try {
            strategy = s.provider().create();
        } catch (RuntimeException | LinkageError e) {
            throw new KimiException(ErrorCode.PLUGIN_ERROR, "strategy '" + name + "' from " + s.source()
                    + " could not be created: " + oneLine(e), e);
        }
        if (strategy == null) {
            throw new KimiException(ErrorCode.PLUGIN_ERROR,
                    "strategy '" + name + "' from " + s.source() + " created nothing");
        }
        return strategy;
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e).replaceAll("\\s*\\R\\s*", " ");
    }
}
