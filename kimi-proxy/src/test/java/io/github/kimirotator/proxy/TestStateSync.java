package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state in memory and in the file: written behind, read again on change, never losing either side. */
class TestStateSync {
    @TempDir
    Path dir;

    @Test
    void statisticsAreWrittenBehindWithoutWaitingForShutdown() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.message());

            assertThat(h.postMessage().statusCode()).isEqualTo(200);

            assertThat(eventually(() -> h.stored(KEY_A).successfulRequests() == 1)).isTrue();
        }
    }

    @Test
    void keysAddedWhileServingAreUsed() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A)) {
            h.upstream.always(KEY_A, FakeUpstream.error(401, "authentication_error", "revoked"));
            h.upstream.always(KEY_C, FakeUpstream.message());
            assertThat(h.postMessage().statusCode()).isEqualTo(401);

            h.store.update(s -> {
                List<Account> accounts = new ArrayList<>(s.accounts());
                accounts.add(Account.newKey(KEY_C, "Added", START.toEpochMilli()));
                return s.withAccounts(accounts);
            });
            assertThat(eventually(() -> h.proxy().status().keys().size() == 2)).isTrue();

            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_C);
        }
    }

    @Test
    void clearedLimitsStrategyAndActiveKeyTakeEffectWhileServing() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.then(KEY_A, FakeUpstream.error(403, "permission_error", "forbidden"));
            h.upstream.always(KEY_A, FakeUpstream.message());
            h.upstream.always(KEY_B, FakeUpstream.message());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(eventually(() -> h.stored(KEY_A).disabled())).isTrue();

            h.store.update(s -> s.withAccount(0, HealthPolicy::clearLimits).withStrategy("sticky").withActiveIndex(1));
            assertThat(eventually(() -> !h.account(KEY_A).disabled())).isTrue();

            assertThat(h.proxy().status().strategy()).isEqualTo("sticky");
            assertThat(h.proxy().status().activeIndex()).isEqualTo(1);
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_A);
        }
    }

    @Test
    void concurrentCliWritesAndProxyStatisticsAreBothKept() throws Exception {
        int rounds = 20;
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.message());
            for (int i = 0; i < rounds; i++) {
                assertThat(h.postMessage().statusCode()).isEqualTo(200);
                String name = "Renamed " + i;
                h.store.update(s -> s.withAccount(1, a -> a.toBuilder().name(name).build()));
            }
            h.proxy().close();

            AccountsState stored = h.store.read();
            assertThat(stored.accounts().get(0).successfulRequests()).isEqualTo(rounds);
            assertThat(stored.accounts().get(0).totalRequests()).isEqualTo(rounds);
            assertThat(stored.accounts().get(1).name()).isEqualTo("Renamed " + (rounds - 1));
        }
    }

    @Test
    void healthLimitsAndStatisticsSurviveARestart() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "600"));
            h.upstream.always(KEY_B, FakeUpstream.message());
            for (int i = 0; i < 3; i++) {
                assertThat(h.postMessage().statusCode()).isEqualTo(200);
            }

            h.restart();

            assertThat(h.account(KEY_B).successfulRequests()).isEqualTo(3);
            assertThat(h.account(KEY_A).healthScore()).isEqualTo(85);
            assertThat(h.account(KEY_A).rateLimitResetTime()).isEqualTo(START.plusSeconds(600).toEpochMilli());
            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_B, KEY_B, KEY_B);
        }
    }
}
