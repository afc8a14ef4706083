package io.github.kimirotator.strategies;

/**
 * A discovered strategy.
 *
 * @param source {@code "built-in"} or the path of the jar it came from
 */
public record StrategyInfo(String name, String description, String source) {
}
