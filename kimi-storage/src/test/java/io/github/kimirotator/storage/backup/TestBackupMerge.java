package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TestBackupMerge {
    private static final BackupSettings SEED_DEFAULTS = new BackupSettings("health-based", null, true, 30);

    private final Account alpha = Account.newKey(BackupFixtures.key('A', "1111"), "Alpha", 1_000L);
    private final Account beta = Account.newKey(BackupFixtures.key('B', "2222"), "Beta", 2_000L);
    private final Account busyGamma = BackupFixtures.busyAccount(BackupFixtures.key('C', "3333"), "Gamma");

    @Test
    void newKeysAreAppendedWithTheirStatisticsAndPresentOnesSkipped() {
        AccountsState current = AccountsState.empty().withAccounts(List.of(alpha, beta)).withActiveIndex(1);
        Account alphaElsewhere = BackupFixtures.busyAccount(alpha.key(), "Alpha on the other machine");

        ImportResult result = BackupMerge.merge(current, backup(SEED_DEFAULTS, alphaElsewhere, busyGamma), false);

        assertThat(result.imported()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.rejected()).isEmpty();
        assertThat(result.state().accounts()).containsExactly(alpha, beta, busyGamma);
        assertThat(result.state().activeIndex()).isEqualTo(1);
    }

    @Test
    void aKeyTwiceInTheBackupIsImportedOnce() {
        Account gammaAgain = busyGamma.toBuilder().name("Gamma again").build();

        ImportResult result = BackupMerge.merge(AccountsState.empty(), backup(SEED_DEFAULTS, busyGamma, gammaAgain), false);

        assertThat(result.state().accounts()).containsExactly(busyGamma);
        assertThat(result.imported()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(1);
    }

    @Test
    void onlyTheStrategyIsRestoredAndOnlyWhenAKeyWasImported() {
        AccountsState current = AccountsState.empty().withStrategy("sticky").withCooldownMinutes(45);

        ImportResult plugin = BackupMerge.merge(current,
                backup(new BackupSettings("round-robin", "least-used", false, 90), alpha), false);
        ImportResult seed = BackupMerge.merge(plugin.state(), backup(new BackupSettings("sticky", null, true, 15), beta), false);
        ImportResult nothingNew = BackupMerge.merge(seed.state(), backup(new BackupSettings("round-robin", null, false, 5), alpha), false);

        assertThat(plugin.restoredStrategy()).isEqualTo("least-used");
        assertThat(plugin.state().rotationStrategy()).isEqualTo("round-robin");
        assertThat(plugin.state().strategy()).isEqualTo("least-used");
        assertThat(plugin.state().autoRefreshHealth()).isTrue();
        assertThat(plugin.state().healthRefreshCooldownMinutes()).isEqualTo(45);
        assertThat(seed.restoredStrategy()).isEqualTo("sticky");
        assertThat(seed.state().effectiveStrategy()).isEqualTo("sticky");
        assertThat(seed.state().strategy()).isNull();
        assertThat(nothingNew.imported()).isZero();
        assertThat(nothingNew.restoredStrategy()).isNull();
        assertThat(nothingNew.state()).isEqualTo(seed.state());
    }

    @Test
    void keepSettingsKeepsOurStrategy() {
        AccountsState current = AccountsState.empty().withStrategy("sticky");

        ImportResult result = BackupMerge.merge(current, backup(new BackupSettings("round-robin", null, false, 90), alpha), true);

        assertThat(result.imported()).isEqualTo(1);
        assertThat(result.restoredStrategy()).isNull();
        assertThat(result.state().effectiveStrategy()).isEqualTo("sticky");
    }

    @Test
    void namesBreakingTheNameRuleAreCleanedAndCounted() {
        Account escape = Account.newKey(BackupFixtures.key('D', "4444"), "Evil\u001b[2J\r\nName\u202e", 1L);
        Account longName = Account.newKey(BackupFixtures.key('E', "5555"), "x".repeat(200), 1L);
        Account invisible = Account.newKey(BackupFixtures.key('F', "6666"), "\u200b\u2028", 1L);

        ImportResult result = BackupMerge.merge(AccountsState.empty(), backup(SEED_DEFAULTS, alpha, escape, longName, invisible), false);

        assertThat(result.cleaned()).isEqualTo(3);
        assertThat(result.state().accounts()).extracting(Account::name)
                .containsExactly("Alpha", "Evil[2JName", "x".repeat(64), "Account 4");
        assertThat(result.state().accounts().get(1).key()).isEqualTo(escape.key());
    }

    @Test
    void aKeyBreakingTheKeyRulesIsLeftOutAndReportedWithoutShowingIt() {
        Account foreign = Account.newKey("sk-other-0123456789abcdefXYZW", "Foreign", 1L);
        Account spaced = Account.newKey("sk-kimi-has spaces in it QRST", "Spaced", 1L);

        ImportResult result = BackupMerge.merge(AccountsState.empty(), backup(SEED_DEFAULTS, foreign, alpha, spaced), false);

        assertThat(result.state().accounts()).containsExactly(alpha);
        assertThat(result.imported()).isEqualTo(1);
        assertThat(result.rejected()).containsExactly(
                "backup account 0 (Foreign) left out: invalid key: it must start with 'sk-kimi-'",
                "backup account 2 (Spaced) left out: invalid key sk-kimi-...QRST: after 'sk-kimi-' only letters,"
                        + " digits, '_' and '-' are allowed");
    }

    @Test
    void exactlyTheKeyLimitIsAllowed() {
        AccountsState current = AccountsState.empty().withAccounts(keys(0, 99));

        ImportResult result = BackupMerge.merge(current, backup(SEED_DEFAULTS, keys(98, 100).toArray(Account[]::new)), false);

        assertThat(result.state().accounts()).hasSize(AccountsState.MAX_KEYS);
        assertThat(result.imported()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(1);
    }

    @Test
    void passingTheKeyLimitImportsNothing() {
        AccountsState current = AccountsState.empty().withAccounts(keys(0, 98));
        ImportedBackup backup = backup(SEED_DEFAULTS, keys(90, 101).toArray(Account[]::new));

        assertThatThrownBy(() -> BackupMerge.merge(current, backup, false))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_KEYS);
                    assertThat(e.exitCode()).isEqualTo(2);
                })
                .hasMessage("importing 3 new keys would make 101 keys, at most 100 are allowed; nothing was imported");
    }

    private static List<Account> keys(int from, int to) {
        List<Account> accounts = new ArrayList<>();
        IntStream.range(from, to).forEach(i -> accounts.add(
                Account.newKey(String.format("sk-kimi-%032d", i), "Key " + i, i)));
        return accounts;
    }

    private static ImportedBackup backup(BackupSettings settings, Account... accounts) {
        return new ImportedBackup(BackupFormat.V2, BackupFixtures.NOW, List.of(accounts), settings);
    }
}
