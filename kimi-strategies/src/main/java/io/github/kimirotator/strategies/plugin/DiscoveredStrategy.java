package io.github.kimirotator.strategies.plugin;

import io.github.kimirotator.api.strategy.RotationStrategyProvider;

/**
 * A strategy provider that was found, with its name and description read once.
 *
 * @param source {@code "built-in"} or the path of the plugin jar
 */
public record DiscoveredStrategy(String name, String description, String source, RotationStrategyProvider provider) {
}
