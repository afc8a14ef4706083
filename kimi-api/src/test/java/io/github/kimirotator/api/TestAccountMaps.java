package io.github.kimirotator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * An account's and a state's maps are unmodifiable copies of what they were given; a map one of them already
 * holds is passed on without another copy (every health event builds a new account from the last one).
 */
class TestAccountMaps {
    private static final String KEY = "sk-kimi-aaaaaaaaaaaaaaaaaaaaaaaa";

    @Test
    void mapsGivenAreCopiedSoChangingThemLaterChangesNoAccount() {
        TreeMap<String, Long> daily = new TreeMap<>(Map.of("2026-03-10", 3L));
        LinkedHashMap<String, Object> extra = new LinkedHashMap<>();
        extra.put("z", 1);
        extra.put("a", 2);
        Account account = Account.newKey(KEY, "k", 1).toBuilder().dailyRequests(daily).extra(extra).build();

        daily.put("2026-03-11", 9L);
        extra.put("m", 3);

        assertThat(account.dailyRequests()).containsExactly(Map.entry("2026-03-10", 3L));
        assertThat(account.extra()).containsExactly(Map.entry("z", 1), Map.entry("a", 2));
        assertThatThrownBy(() -> account.dailyRequests().put("x", 1L))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> account.dailyTokens().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> account.extra().remove("z")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> account.dailyRequests().entrySet().iterator().next().setValue(5L))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> account.dailyRequests().headMap("2026-03-11").clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anAccountBuiltFromAnotherKeepsItsMapsAsTheyAre() {
        Account first = Account.newKey(KEY, "k", 1).toBuilder()
                .dailyRequests(new TreeMap<>(Map.of("2026-03-10", 3L)))
                .dailyTokens(new TreeMap<>(Map.of("2026-03-10", new TokenUsage(1, 2, 0, 0))))
                .extra(Map.of("z", 1)).build();

        Account next = first.toBuilder().healthScore(50).build();
        AccountsState state = AccountsState.empty().withAccounts(List.of(next));

        assertThat(next.dailyRequests()).isSameAs(first.dailyRequests());
        assertThat(next.dailyTokens()).isSameAs(first.dailyTokens());
        assertThat(next.extra()).isSameAs(first.extra());
        assertThat(state.withActiveIndex(0).extra()).isSameAs(state.extra());
        assertThat(next).isEqualTo(first.toBuilder().healthScore(50).dailyRequests(new TreeMap<>(first.dailyRequests()))
                .build());
        assertThat(next.dailyRequests()).isEqualTo(new TreeMap<>(first.dailyRequests()))
                .hasSameHashCodeAs(new TreeMap<>(first.dailyRequests()));
    }

    @Test
    void aMapHandedOverIsKeptWithoutACopyAndIsUnmodifiable() {
        TreeMap<String, Long> built = new TreeMap<>(Map.of("2026-03-10", 1L));

        var handed = Account.handOver(built);
        Account account = Account.newKey(KEY, "k", 1).toBuilder().dailyRequests(handed).build();

        assertThat(account.dailyRequests()).isSameAs(handed);
        assertThat(handed.firstKey()).isEqualTo("2026-03-10");
        assertThatThrownBy(() -> handed.put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void dailyMapsAreInDayOrderWhateverTheOrderOfTheMapGiven() {
        // A caller's map sorted another way (newest first): the account still keeps its days oldest first, as
        // the health policy's pruning (headMap of the oldest day kept) and the file's order expect.
        TreeMap<String, Long> newestFirst = new TreeMap<>(Comparator.reverseOrder());
        newestFirst.put("2026-03-10", 3L);
        newestFirst.put("2026-03-11", 4L);
        TreeMap<String, TokenUsage> tokensNewestFirst = new TreeMap<>(Comparator.reverseOrder());
        tokensNewestFirst.put("2026-03-10", new TokenUsage(1, 2, 0, 0));
        tokensNewestFirst.put("2026-03-11", new TokenUsage(3, 4, 0, 0));

        Account account = Account.newKey(KEY, "k", 1).toBuilder().dailyRequests(newestFirst)
                .dailyTokens(tokensNewestFirst).build();
        var handed = Account.handOver(new TreeMap<>(newestFirst));

        assertThat(account.dailyRequests().comparator()).isNull();
        assertThat(account.dailyRequests().firstKey()).isEqualTo("2026-03-10");
        assertThat(account.dailyRequests().keySet()).containsExactly("2026-03-10", "2026-03-11");
        assertThat(account.dailyTokens().keySet()).containsExactly("2026-03-10", "2026-03-11");
        assertThat(account.dailyRequests().headMap("2026-03-11")).containsOnlyKeys("2026-03-10");
        assertThat(handed.comparator()).isNull();
        assertThat(handed.keySet()).containsExactly("2026-03-10", "2026-03-11");
    }
}
