package io.github.kimirotator.strategies;

import io.github.kimirotator.api.strategy.RotationStrategy;
import java.util.List;
import java.util.Set;

/** Every strategy found: built-ins from the class path and plugin jars. The only way to get a strategy. */
public interface StrategyRegistry {

    /** All strategies, sorted by name. */
    List<StrategyInfo> list();

    /** All names. */
    Set<String> names();

    /**
     * A new instance of the strategy called {@code name}.
     *
     * @throws io.github.kimirotator.api.KimiException {@code UNKNOWN_STRATEGY} listing the valid names
     */
    RotationStrategy create(String name);

    /** Problems met while loading plugins (broken jars), one line each; the CLI prints them as warnings. */
    List<String> warnings();
}
