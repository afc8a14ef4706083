package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/** Registers {@link HealthBasedStrategy} through ServiceLoader, as a plugin would. */
public final class HealthBasedStrategyProvider implements RotationStrategyProvider {
    @Override
    public String name() {
        return HealthBasedStrategy.NAME;
    }

    @Override
    public String description() {
        return "Prefers the healthiest key; stays on the current one unless another is 20 points healthier"
                + " (default).";
    }

    @Override
    public RotationStrategy create() {
        return new HealthBasedStrategy();
    }
}
