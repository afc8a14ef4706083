package io.github.kimirotator.examples.leastused;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.util.Comparator;

/**
 * Spreads the day's requests evenly: the candidate with the fewest requests today, the lowest index on a tie.
 * Stateless, so it needs nothing from kimi-rotator but the request it is given.
 */
public final class LeastUsedStrategy implements RotationStrategy {
    public static final String NAME = "least-used";

    private static final Comparator<KeyView> LEAST_USED_FIRST = Comparator.comparingLong(KeyView::requestsToday)
            .thenComparingInt(KeyView::index);

    @Override
    public KeyView choose(SelectionRequest request) {
        // candidates is never empty and already holds only keys we may use: no checks needed here.
        return request.candidates().stream().min(LEAST_USED_FIRST).orElseThrow();
    }
}
