package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;

/**
 * What one strategy promises, checked after each of its choices in a stateful test. An instance lives for
 * one action chain, so it may remember earlier choices (fairness, session stability).
 */
@FunctionalInterface
public interface StrategyCheck {

    /** Fails (with an AssertJ assertion) when {@code chosen} breaks the strategy's promise for {@code request}. */
    void verify(SelectionRequest request, KeyView chosen);
}
