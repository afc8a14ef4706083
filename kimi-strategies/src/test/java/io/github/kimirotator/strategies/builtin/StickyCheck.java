package io.github.kimirotator.strategies.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.testing.StrategyCheck;

/** Sticky's promise: the active key while it is a candidate, else the next candidate after it. */
final class StickyCheck implements StrategyCheck {
    @Override
    public void verify(SelectionRequest request, KeyView chosen) {
        int active = request.activeIndex();
        boolean activeIsCandidate = request.candidates().stream().anyMatch(k -> k.index() == active);
        int expected = activeIsCandidate ? active
                : request.candidates().stream().filter(k -> k.index() > active).findFirst()
                        .orElse(request.candidates().get(0)).index();
        assertThat(chosen.index()).as(activeIsCandidate ? "stays on the active key" : "next after the active key")
                .isEqualTo(expected);
    }
}
