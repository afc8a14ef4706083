package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;

/** The active key while it is a candidate; otherwise the next candidate after it, wrapping around. */
public final class StickyStrategy implements RotationStrategy {
    public static final String NAME = "sticky";

    @Override
    public KeyView choose(SelectionRequest request) {
        return Candidates.at(request.candidates(), request.activeIndex())
                .orElseGet(() -> Candidates.nextAfter(request.candidates(), request.activeIndex()));
    }
}
