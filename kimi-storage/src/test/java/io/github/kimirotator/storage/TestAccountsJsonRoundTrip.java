package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

class TestAccountsJsonRoundTrip {
    private static final Set<String> KNOWN = Set.of("version", "accounts", "activeIndex", "rotationStrategy",
            "autoRefreshHealth", "healthRefreshCooldownMinutes", "strategy", "key", "name", "addedAt", "lastUsed",
            "rateLimitResetTime", "billingLimitResetTime", "healthScore", "consecutiveFailures",
            "consecutiveBillingLimitHits", "totalRequests", "successfulRequests", "responseTimes", "dailyRequests",
            "disabled", "limitReason", "lastPenaltyAt", "lastRecoveryAt");

    @Property(tries = 300)
    void writeThenReadGivesTheSameState(@ForAll("states") AccountsState state) {
        byte[] file = AccountsJson.format(state).getBytes(StandardCharsets.UTF_8);

        AccountsState read = AccountsJson.parse(new String(file, StandardCharsets.UTF_8), "prop.json");

        assertThat(read).isEqualTo(state);
        assertThat(new ArrayList<>(read.extra().keySet())).isEqualTo(new ArrayList<>(state.extra().keySet()));
    }

    @Provide
    Arbitrary<AccountsState> states() {
        Arbitrary<String> strategyOfOurs = Arbitraries.strings().ofMinLength(1).ofMaxLength(20).injectNull(0.5);
        return Combinators.combine(
                Arbitraries.integers(),
                accounts(),
                Arbitraries.integers().between(-1, 200),
                Arbitraries.of(AccountsState.SEED_STRATEGIES),
                strategyOfOurs,
                Arbitraries.of(true, false),
                Arbitraries.integers(),
                extras()).as(AccountsState::new);
    }

    private static Arbitrary<List<Account>> accounts() {
        Arbitrary<Long> times = Arbitraries.longs().between(0, 4_102_444_800_000L);
        Arbitrary<Long> counts = Arbitraries.longs().greaterOrEqual(0);
        Arbitrary<String> unicode = Arbitraries.strings().all().ofMaxLength(64);
        Arbitrary<Account> account = Builders.withBuilder(() -> Account.newKey("sk-kimi-placeholder", "n", 0).toBuilder())
                .use(Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(12).ofMaxLength(120)
                        .map(s -> "sk-kimi-" + s)).in(Account.Builder::key)
                .use(unicode).in(Account.Builder::name)
                .use(times).in(Account.Builder::addedAt)
                .use(times).in(Account.Builder::lastUsed)
                .use(times).in(Account.Builder::rateLimitResetTime)
                .use(times).in(Account.Builder::billingLimitResetTime)
                .use(Arbitraries.integers().between(0, Account.MAX_HEALTH)).in(Account.Builder::healthScore)
                .use(Arbitraries.integers().greaterOrEqual(0)).in(Account.Builder::consecutiveFailures)
                .use(Arbitraries.integers().greaterOrEqual(0)).in(Account.Builder::consecutiveBillingLimitHits)
                .use(counts).in(Account.Builder::totalRequests)
                .use(counts).in(Account.Builder::successfulRequests)
                .use(Arbitraries.longs().between(0, 600_000).list().ofMaxSize(Account.MAX_RESPONSE_TIMES))
                .in(Account.Builder::responseTimes)
                .use(Arbitraries.maps(unicode, counts).ofMaxSize(5).map(TreeMap::new))
                .in(Account.Builder::dailyRequests)
                .use(Arbitraries.of(true, false)).in(Account.Builder::disabled)
                .use(unicode.injectNull(0.5)).in(Account.Builder::limitReason)
                .use(times).in(Account.Builder::lastPenaltyAt)
                .use(times).in(Account.Builder::lastRecoveryAt)
                .use(extras()).in(Account.Builder::extra)
                .build(Account.Builder::build);
        return account.list().ofMaxSize(4);
    }

    /** Unknown fields of the simple JSON types, as {@link AccountsJson} hands them out. */
    private static Arbitrary<Map<String, Object>> extras() {
        Arbitrary<Object> scalar = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.longs(),
                Arbitraries.doubles().filter(Double::isFinite),
                Arbitraries.of(true, false),
                Arbitraries.just(null));
        Arbitrary<Object> value = Arbitraries.frequencyOf(
                Tuple.of(4, scalar),
                Tuple.of(1, scalar.list().ofMaxSize(3).map(l -> (Object) l)));
        Arbitrary<String> name = Arbitraries.strings().all().ofMaxLength(10).filter(n -> !KNOWN.contains(n));
        return Arbitraries.maps(name, value).ofMaxSize(3).map(LinkedHashMap::new);
    }
}
