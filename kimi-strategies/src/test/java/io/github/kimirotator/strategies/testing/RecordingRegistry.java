package io.github.kimirotator.strategies.testing;

import io.github.kimirotator.api.strategy.KeyView;
import io.github.kimirotator.api.strategy.RotationStrategy;
import io.github.kimirotator.api.strategy.SelectionRequest;
import io.github.kimirotator.strategies.StrategyInfo;
import io.github.kimirotator.strategies.StrategyRegistry;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Wraps a registry so a test sees every request a strategy was asked and what it answered. */
public final class RecordingRegistry implements StrategyRegistry {
    /** One call of {@link RotationStrategy#choose}. */
    public record Call(String strategy, SelectionRequest request, KeyView answer) {
    }

    private final StrategyRegistry delegate;
    private Call last;
    private int created;

    public RecordingRegistry(StrategyRegistry delegate) {
        this.delegate = delegate;
    }

    /** The call made since the previous {@code takeLast}, if any. */
    public Optional<Call> takeLast() {
        Optional<Call> call = Optional.ofNullable(last);
        last = null;
        return call;
    }

    /** How many strategy instances were created. */
    public int created() {
        return created;
    }

    @Override
    public List<StrategyInfo> list() {
        return delegate.list();
    }

    @Override
    public Set<String> names() {
        return delegate.names();
    }

    @Override
    public RotationStrategy create(String name) {
        RotationStrategy strategy = delegate.create(name);
        created++;
        return request -> {
            KeyView answer = strategy.choose(request);
            last = new Call(name, request, answer);
            return answer;
        };
    }

    @Override
    public List<String> warnings() {
        return delegate.warnings();
    }
}
