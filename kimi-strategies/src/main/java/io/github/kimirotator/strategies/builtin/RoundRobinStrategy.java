package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;

/**
 * Each choice is the next candidate after the previous choice, wrapping around, so while the candidates stay
 * the same any n consecutive choices over n candidates use each key once. Before its first choice the active
 * key counts as the previous one, so even a fresh instance (a CLI run) moves on.
 *
 * <p>With a shared turn (several proxies on one shared state), the turn decides instead: the first candidate
 * at or after position {@code turn mod keys}, so over all proxies together any n consecutive turns use each of
 * n keys once.
 */
public final class RoundRobinStrategy implements RotationStrategy {
    public static final String NAME = "round-robin";

    private Integer lastChosen;

    @Override
    public KeyView choose(SelectionRequest request) {
        int after = lastChosen != null ? lastChosen : request.activeIndex();
        if (request.turn().isPresent()) {
            after = (int) Math.floorMod(request.turn().getAsLong(), (long) request.keys().size()) - 1;
        }
        KeyView next = Candidates.nextAfter(request.candidates(), after);
        lastChosen = next.index();
        return next;
    }
}
