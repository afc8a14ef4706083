package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/** Registers {@link SessionAffinityStrategy} through ServiceLoader, as a plugin would. */
public final class SessionAffinityStrategyProvider implements RotationStrategyProvider {
    @Override
    public String name() {
        return SessionAffinityStrategy.NAME;
    }

    @Override
    public String description() {
        return "Keeps each client session on one key so its prompt cache stays warm; new sessions go to the least"
                + " busy key.";
    }

    @Override
    public RotationStrategy create() {
        return new SessionAffinityStrategy();
    }
}
