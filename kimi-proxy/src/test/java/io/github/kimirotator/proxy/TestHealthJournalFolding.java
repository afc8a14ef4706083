package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.TokenUsage;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The journal is replayed per key, each key's run of successes and token counts folded into one new account
 * ({@link HealthPolicy#applyAllAt}), and the state built once. These properties hold it to the plain way, kept here
 * as the reference: every event applied on its own with {@link HealthPolicy#applyAt}, a new state each time. Any
 * mix of events (successes, token counts, failures, rate and billing limits, membership refusals, rejected keys)
 * over keys that are in the file or not, at times that go forward, stand still, go back a little and cross UTC days
 * and cooldown periods, onto accounts with any health, penalty and recovery times and daily history, with recovery
 * on or off; and onto a file that was changed underneath (keys removed, reordered, added, health edited).
 */
class TestHealthJournalFolding {
    private static final String KEY_GONE = "sk-kimi-gggggggggggggggggggggggg";
    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    @Property(tries = 400)
    void theFoldedReplayGivesTheStateOfOneEventAfterAnother(@ForAll("states") AccountsState start,
            @ForAll("journals") List<HealthJournal.Entry> journal) {
        assertThat(HealthJournal.replay(start, journal, ZONE)).isEqualTo(oneByOne(start, journal));
    }

    @Property(tries = 200)
    void replayingOntoAFileChangedUnderneathGivesTheSameStateAsTheEventsOneByOne(@ForAll("states") AccountsState memory,
            @ForAll("journals") List<HealthJournal.Entry> journal, @ForAll("edits") int edit) {
        AccountsState file = changedUnderneath(memory, edit);

        assertThat(HealthJournal.replay(file, journal, ZONE)).isEqualTo(oneByOne(file, journal));
    }

    @Property(tries = 200)
    void eventsAppliedLiveOneAtATimeGiveTheReplayedState(@ForAll("states") AccountsState start,
            @ForAll("journals") List<HealthJournal.Entry> journal) {
        AccountsState live = start;
        for (HealthJournal.Entry e : journal) {
            live = HealthJournal.apply(live, e, ZONE);
        }

        assertThat(live).isEqualTo(oneByOne(start, journal));
        assertThat(HealthJournal.replay(start, journal, ZONE)).isEqualTo(live);
    }

    /** The reference: each event on its own, as the journal was replayed before it was folded. */
    private static AccountsState oneByOne(AccountsState state, List<HealthJournal.Entry> journal) {
        AccountsState result = state;
        for (HealthJournal.Entry e : journal) {
            int index = result.indexOfKey(e.key());
            if (index < 0) {
                continue;
            }
            AccountsState before = result;
            result = result.withAccount(index, a -> HealthPolicy.applyAt(a, e.event(),
                    Instant.ofEpochMilli(e.atMillis()), ZONE, before.autoRefreshHealth(),
                    before.healthRefreshCooldownMinutes()));
        }
        return result;
    }

    private static AccountsState changedUnderneath(AccountsState state, int edit) {
        List<Account> accounts = new ArrayList<>(state.accounts());
        switch (edit) {
            case 0 -> accounts.remove(0);
            case 1 -> accounts.add(accounts.remove(0));
            case 2 -> accounts.add(Account.newKey(KEY_GONE, "added", START.toEpochMilli()));
            case 3 -> accounts.set(1, accounts.get(1).toBuilder().healthScore(5).lastPenaltyAt(0).build());
            default -> {
                return state.withAutoRefreshHealth(!state.autoRefreshHealth());
            }
        }
        return state.withAccounts(accounts);
    }

    @Provide
    Arbitrary<Integer> edits() {
        return Arbitraries.integers().between(0, 4);
    }

    @Provide
    Arbitrary<AccountsState> states() {
        Arbitrary<Account> a = accounts(KEY_A);
        Arbitrary<Account> b = accounts(KEY_B);
        Arbitrary<Account> c = accounts(KEY_C);
        return Combinators.combine(a, b, c, Arbitraries.of(true, true, false), Arbitraries.of(1, 1, 5, 30))
                .as((x, y, z, recover, cooldown) -> ProxyHarness.stateWith(KEY_A).withAccounts(List.of(x, y, z))
                        .withAutoRefreshHealth(recover).withCooldownMinutes(cooldown));
    }

    private static Arbitrary<Account> accounts(String key) {
        long now = START.toEpochMilli();
        Arbitrary<Integer> health = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 60)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(61, 100)));
        Arbitrary<Long> ago = Arbitraries.longs().between(0, Duration.ofHours(5).toMillis());
        Arbitrary<Integer> days = Arbitraries.integers().between(0, 40);
        Arbitrary<Integer> times = Arbitraries.integers().between(0, 105);
        return Combinators.combine(health, ago, ago, days, times, Arbitraries.of(true, false))
                .as((h, penaltyAgo, recoveryAgo, dayCount, timeCount, penalised) -> {
                    TreeMap<String, Long> daily = new TreeMap<>();
                    TreeMap<String, TokenUsage> tokens = new TreeMap<>();
                    LocalDate today = LocalDate.ofInstant(START, ZoneOffset.UTC);
                    for (int d = 0; d < dayCount; d++) {
                        daily.put(today.minusDays(d).toString(), (long) d + 1);
                        tokens.put(today.minusDays(d).toString(), new TokenUsage(d, 1, 0, 2));
                    }
                    List<Long> rt = new ArrayList<>();
                    for (int t = 0; t < timeCount; t++) {
                        rt.add((long) t * 7);
                    }
                    return Account.newKey(key, "k", now - Duration.ofDays(2).toMillis()).toBuilder()
                            .healthScore(h)
                            .lastUsed(now - penaltyAgo)
                            .lastPenaltyAt(penalised ? now - penaltyAgo : 0)
                            .lastRecoveryAt(now - recoveryAgo)
                            .consecutiveFailures(h % 3)
                            .consecutiveBillingLimitHits(h % 2)
                            .totalRequests(50).successfulRequests(40)
                            .responseTimes(rt).dailyRequests(daily).dailyTokens(tokens)
                            .build();
                });
    }

    @Provide
    Arbitrary<List<HealthJournal.Entry>> journals() {
        Arbitrary<String> key = Arbitraries.of(KEY_A, KEY_A, KEY_B, KEY_C, KEY_GONE);
        Arbitrary<HealthEvent> event = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.longs().between(0, 400).map(HealthEvent.Success::new)),
                net.jqwik.api.Tuple.of(8, Arbitraries.longs().between(0, 5000)
                        .map(n -> new HealthEvent.TokensUsed(new TokenUsage(n, n / 2, 0, n % 3)))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new HealthEvent.Failure("500"))),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(new HealthEvent.RateLimited(Optional.empty()),
                        new HealthEvent.RateLimited(Optional.of(Duration.ofSeconds(90))))),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(new HealthEvent.BillingLimit(true),
                        new HealthEvent.BillingLimit(false))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new HealthEvent.MembershipRefused())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new HealthEvent.KeyRejected(401))));
        // Steps mostly forward (up to a cooldown period and more), sometimes none or a little back (events are
        // stamped before the pool's lock is taken).
        Arbitrary<Long> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(0, 2_000)),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(-50, 0)),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(20_000, Duration.ofMinutes(20).toMillis())),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, Duration.ofHours(12).toMillis())));
        Arbitrary<Long> firstAt = Arbitraries.longs().between(0, Duration.ofHours(16).toMillis())
                .map(d -> START.toEpochMilli() + d);
        return Combinators.combine(firstAt,
                        Combinators.combine(key, event, step).as(Step::new).list().ofMaxSize(60))
                .as((first, steps) -> {
                    List<HealthJournal.Entry> entries = new ArrayList<>();
                    long at = first;
                    for (Step s : steps) {
                        at += s.step();
                        entries.add(new HealthJournal.Entry(s.key(), s.event(), at));
                    }
                    return entries;
                });
    }

    private record Step(String key, HealthEvent event, long step) {
    }
}
