package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/** Registers {@link RoundRobinStrategy} through ServiceLoader, as a plugin would. */
public final class RoundRobinStrategyProvider implements RotationStrategyProvider {
    @Override
    public String name() {
        return RoundRobinStrategy.NAME;
    }

    @Override
    public String description() {
        return "Cycles through the eligible keys in turn, each once per round.";
    }

    @Override
    public RotationStrategy create() {
        return new RoundRobinStrategy();
    }
}
