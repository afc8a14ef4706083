package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/** Registers {@link StickyStrategy} through ServiceLoader, as a plugin would. */
public final class StickyStrategyProvider implements RotationStrategyProvider {
    @Override
    public String name() {
        return StickyStrategy.NAME;
    }

    @Override
    public String description() {
        return "Stays on the current key while it is eligible, then moves to the next one.";
    }

    @Override
    public RotationStrategy create() {
        return new StickyStrategy();
    }
}
