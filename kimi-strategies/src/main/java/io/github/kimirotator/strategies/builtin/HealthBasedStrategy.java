package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;
import java.util.Comparator;
import java.util.Optional;

/**
 * The healthiest candidate, ties broken by least recent use, then by index. The active key is kept while it is
 * a candidate unless another candidate is {@link #SWITCH_MARGIN} points healthier: small health changes after
 * every request must not make the key flap (and lose the upstream's prompt cache).
 */
public final class HealthBasedStrategy implements RotationStrategy {
    public static final String NAME = "health-based";
    public static final int SWITCH_MARGIN = 20;

    private static final Comparator<KeyView> HEALTHIEST_FIRST = Comparator.comparingInt(KeyView::health).reversed()
            .thenComparing(KeyView::lastUsed)
            .thenComparingInt(KeyView::index);

    @Override
    public KeyView choose(SelectionRequest request) {
        KeyView best = request.candidates().stream().min(HEALTHIEST_FIRST).orElseThrow();
        Optional<KeyView> active = Candidates.at(request.candidates(), request.activeIndex());
        if (active.isPresent() && best.health() - active.get().health() < SWITCH_MARGIN) {
            return active.get();
        }
        return best;
    }
}
