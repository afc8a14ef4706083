package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.strategies.StrategyInfo;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** A hand-made registry: exactly the strategies a test gives it. */
public final class MapStrategyRegistry implements StrategyRegistry {
    private final TreeMap<String, Supplier<RotationStrategy>> factories;

    public MapStrategyRegistry(Map<String, Supplier<RotationStrategy>> factories) {
        this.factories = new TreeMap<>(factories);
    }

    @Override
    public List<StrategyInfo> list() {
        return factories.keySet().stream().map(n -> new StrategyInfo(n, n, "test")).toList();
    }

    @Override
    public Set<String> names() {
        return factories.navigableKeySet();
    }

    @Override
    public RotationStrategy create(String name) {
        Supplier<RotationStrategy> f = factories.get(name);
        if (f == null) {
            throw new KimiException(ErrorCode.UNKNOWN_STRATEGY, "unknown strategy '" + name + "'");
        }
        return f.get();
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }
}
