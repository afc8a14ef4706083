package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.strategies.DefaultKeySelector;
import io.github.kimirotator.strategies.ServiceLoaderStrategyRegistry;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A key choice counts its key in flight once, and only for a lease the request gets. */
class TestKeyChoiceLeases {

    /**
     * The shared state is told the session's key after the key was counted in flight: a backend that fails there
     * must not fail the choice, or the count is never taken back (with a per-key cap the key would stay full).
     */
    @Test
    void aSharedStateThatCannotRememberASessionCostsTheKeyNoSlot() throws Exception {
        HealthPolicy policy = new HealthPolicy(Clock.systemUTC());
        FileStateOverride failing = new FileStateOverride() {
            @Override
            public void rememberSession(Shared asked, String key, Instant at, Duration idle) {
                throw new IllegalStateException("the session table cannot be written");
            }
        };
        KeyPool pool = new KeyPool(new DefaultKeySelector(new ServiceLoaderStrategyRegistry(List.of()), policy),
                policy, 1, () -> { }, () -> { }, failing);
        pool.reloaded(ProxyHarness.stateWith(KEY_A).withStrategy("session-affinity"));
        String id = pool.idOf(KEY_A);

        KeyPool.Choice choice = pool.choose(Set.of(), Optional.of("session-1")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(choice).isInstanceOf(KeyPool.Lease.class);
        assertThat(pool.inFlight(id)).isEqualTo(1);
        pool.release((KeyPool.Lease) choice);
        assertThat(pool.inFlight(id)).isZero();
        assertThat(pool.choose(Set.of(), Optional.of("session-2")).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(KeyPool.Lease.class);
    }
}
