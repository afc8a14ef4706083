package io.github.kimirotator.examples.leastused;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/**
 * Makes {@link LeastUsedStrategy} known: listed in
 * {@code META-INF/services/io.github.kimirotator.api.strategy.RotationStrategyProvider}, found by kimi-rotator
 * when this jar is in a {@code plugins/} folder.
 */
public final class LeastUsedStrategyProvider implements RotationStrategyProvider {
    @Override
    public String name() {
        return LeastUsedStrategy.NAME;
    }

    @Override
    public String description() {
        return "Picks the key with the fewest requests today, spreading the daily load evenly.";
    }

    @Override
    public RotationStrategy create() {
        return new LeastUsedStrategy();
    }
}
