package io.github.kimirotator.strategies.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.testing.StrategyCheck;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Round-robin's promises: each choice is the next candidate after the previous one (the active key before the
 * first), and while the candidates stay the same any n consecutive choices over n candidates are all different.
 */
final class RoundRobinCheck implements StrategyCheck {
    private Integer previous;
    private List<String> runCandidates = List.of();
    private final List<Integer> run = new ArrayList<>();

    @Override
    public void verify(SelectionRequest request, KeyView chosen) {
        int after = previous != null ? previous : request.activeIndex();
        assertThat(chosen.index()).as("next candidate after " + after)
                .isEqualTo(request.candidates().stream().filter(k -> k.index() > after).findFirst()
                        .orElse(request.candidates().get(0)).index());
        previous = chosen.index();

        List<String> candidates = request.candidates().stream().map(k -> k.index() + "=" + k.id()).toList();
        if (!candidates.equals(runCandidates)) {
            runCandidates = candidates;
            run.clear();
        }
        run.add(chosen.index());
        int n = candidates.size();
        List<Integer> window = run.subList(Math.max(0, run.size() - n), run.size());
        assertThat(new HashSet<>(window)).as("last %d choices over %s", window.size(), candidates)
                .hasSize(window.size());
    }
}
