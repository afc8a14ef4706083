package io.github.kimirotator.strategies.builtin;

import io.github.kimirotator.api.strategy.KeyView;
import java.util.List;
import java.util.Optional;

/** Lookups over a request's candidates (which come in index order). */
final class Candidates {
    private Candidates() {
    }

    /** The candidate at {@code index}, if it is one. */
    static Optional<KeyView> at(List<KeyView> candidates, int index) {
        for (KeyView k : candidates) {
            if (k.index() == index) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The first candidate after {@code index}, wrapping around to the first candidate. */
    static KeyView nextAfter(List<KeyView> candidates, int index) {
        for (KeyView k : candidates) {
            if (k.index() > index) {
                return k;
            }
        }
        return candidates.get(0);
    }
}
