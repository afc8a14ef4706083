package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The backup the seed itself wrote (see seed/README.txt among the test resources). */
class TestSeedFixtureImport {
    private static final byte[] FILE = BackupFixtures.resource("/seed/sample-export.json.enc");
    private final BackupCodec codec = BackupFixtures.cheapCodec();

    @Test
    void importsEveryKeyNameStatisticAndSetting() {
        ImportedBackup backup = codec.read(FILE, "open sesame 42".toCharArray(), "sample-export.json.enc");

        assertThat(backup.format()).isEqualTo(BackupFormat.SEED);
        assertThat(backup.exportedAt()).isEqualTo(Instant.parse("2026-11-25T11:27:36.764Z"));
        assertThat(backup.accounts()).containsExactly(
                seedAccount("sk-kimi-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD4444", "Delta", 1795606056370L),
                seedAccount("sk-kimi-EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE5555", "Echo", 1795606056492L));
        assertThat(backup.settings()).isEqualTo(new BackupSettings("health-based", null, true, 30));
    }

    @Test
    void wrongPasswordNamesTheFile() {
        assertThatThrownBy(() -> codec.read(FILE, "open sesame 43".toCharArray(), "sample-export.json.enc"))
                .isInstanceOfSatisfying(KimiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD))
                .hasMessage("wrong password or damaged file: sample-export.json.enc");
    }

    private static Account seedAccount(String key, String name, long addedAt) {
        return new Account(key, name, addedAt, addedAt, 0, 0, 100, 0, 0, 0, 0, List.of(), new TreeMap<>(),
                false, null, 0, 0, Map.of());
    }
}
