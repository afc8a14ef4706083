package io.github.kimirotator.strategies.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.testing.StrategyCheck;
import java.util.Optional;

/**
 * Health-based's promises: the active key while it is a candidate and no candidate is 20 points healthier;
 * otherwise the healthiest, least recently used, lowest index.
 */
final class HealthBasedCheck implements StrategyCheck {
    @Override
    public void verify(SelectionRequest request, KeyView chosen) {
        int best = request.candidates().stream().mapToInt(KeyView::health).max().orElseThrow();
        Optional<KeyView> active = request.candidates().stream()
                .filter(k -> k.index() == request.activeIndex()).findFirst();
        if (active.isPresent() && best - active.get().health() < 20) {
            assertThat(chosen.index()).as("no flapping: stays on the active key").isEqualTo(request.activeIndex());
            return;
        }
        KeyView expected = request.candidates().stream()
                .filter(k -> k.health() == best)
                .reduce((a, b) -> b.lastUsed().isBefore(a.lastUsed()) ? b : a)
                .orElseThrow();
        assertThat(chosen.index()).as("healthiest, then least recently used, then lowest index")
                .isEqualTo(expected.index());
    }
}
