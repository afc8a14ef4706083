package io.github.kimirotator.api.strategy;

/**
 * Makes a strategy known to kimi-rotator. Implementations are found with {@link java.util.ServiceLoader}:
 * list the class in {@code META-INF/services/io.github.kimirotator.api.strategy.RotationStrategyProvider}
 * of your jar and drop the jar into a {@code plugins/} folder. The class needs a public no-argument
 * constructor. A plugin compiles against {@code kimi-api} alone and sees nothing else of kimi-rotator.
 */
public interface RotationStrategyProvider {

    /** The name users give to {@code set-strategy}: lower case, digits and '-', unique among all strategies. */
    String name();

    /** One line saying how the strategy chooses. */
    String description();

    /** A new, independent strategy instance. */
    RotationStrategy create();
}
