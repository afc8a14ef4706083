package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Format detection, the password rule, and what a backup's decrypted content may hold. */
class TestBackupCodec {
    private static final String FILE = "keys.enc";
    private static final char[] PASSWORD = BackupFixtures.PASSWORD.toCharArray();

    private final BackupCodec codec = BackupFixtures.cheapCodec();
    private final AccountsState state = BackupFixtures.stateOf(
            List.of(Account.newKey(BackupFixtures.key('A', "1111"), "Alpha", 1_700_000_000_000L)));

    @ParameterizedTest
    @ValueSource(strings = {"", " \n\t"})
    void anEmptyFileIsNoBackup(String content) {
        assertUnknownFormat(content.getBytes(StandardCharsets.UTF_8), "the file is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "PK\u0003\u0004", "[1, 2]", "-----BEGIN PGP MESSAGE-----"})
    void otherContentIsNeitherFormat(String content) {
        assertUnknownFormat(content.getBytes(StandardCharsets.ISO_8859_1),
                "neither a kimi-rotator backup (JSON) nor a seed backup (base64 text)");
    }

    @Test
    void aSeedBackupWithLineBreaksAroundItIsRead() {
        byte[] blob = codec.export(state, PASSWORD, BackupFormat.SEED);
        byte[] file = ("\n" + new String(blob, StandardCharsets.US_ASCII) + "\r\n").getBytes(StandardCharsets.US_ASCII);

        assertThat(codec.read(file, PASSWORD, FILE).accounts()).isEqualTo(state.accounts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"AAAA", "AAAAA", "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB=="})
    void aTooShortOrBadlyPaddedSeedBlobIsDamaged(String content) {
        assertThatThrownBy(() -> codec.read(content.getBytes(StandardCharsets.US_ASCII), PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD))
                .hasMessage("wrong password or damaged file: " + FILE);
    }

    @Test
    void aPasswordUnderEightCharactersIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> codec.export(state, "sesame7".toCharArray(), BackupFormat.V2))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.exitCode()).isEqualTo(2);
                })
                .hasMessage("password too short: it has 7 characters, at least 8 are required");
    }

    @Test
    void eightCharactersAreEnough() {
        byte[] file = codec.export(state, "sesame78".toCharArray(), BackupFormat.V2);

        assertThat(codec.read(file, "sesame78".toCharArray(), FILE).accounts()).isEqualTo(state.accounts());
    }

    @Test
    void theCallersPasswordArrayIsLeftForTheCallerToWipe() {
        char[] password = BackupFixtures.PASSWORD.toCharArray();
        byte[] file = codec.export(state, password, BackupFormat.V2);
        codec.read(file, password, FILE);

        assertThat(new String(password)).isEqualTo(BackupFixtures.PASSWORD);
    }

    @Test
    void aSeedBackupOfAnotherVersionIsUnknown() {
        byte[] file = seedFile("{\"version\":2,\"exportedAt\":\"2026-01-01T00:00:00.000Z\",\"accounts\":[]}");

        assertUnknownFormat(file, "seed backup version 2 (this build reads version 1)");
    }

    @Test
    void decryptedDataThatIsNotJsonIsCorrupt() {
        assertCorrupt(seedFile("not json at all"), "the decrypted data is not JSON");
        assertCorrupt(seedFile("[1]"), "the decrypted data is not a JSON object");
    }

    @Test
    void missingSeedFieldsTakeTheSeedsDefaultsAndUnknownOnesAreKept() {
        byte[] file = seedFile("{\"version\":1,\"exportedAt\":\"2026-01-01T00:00:00.000Z\",\"accounts\":["
                + "{\"key\":\"" + BackupFixtures.key('A', "1111") + "\",\"addedAt\":5,\"lastUsed\":6,"
                + "\"healthScore\":150,\"responseTimes\":[245.7],\"seedV2\":{\"a\":[1]}}]}");

        ImportedBackup backup = codec.read(file, PASSWORD, FILE);

        Account account = backup.accounts().get(0);
        assertThat(account.name()).isEqualTo("Account 1");
        assertThat(account.healthScore()).isEqualTo(100);
        assertThat(account.responseTimes()).containsExactly(245L);
        assertThat(account.extra()).isEqualTo(Map.of("seedV2", Map.of("a", List.of(1))));
        assertThat(backup.settings()).isEqualTo(new BackupSettings("health-based", null, true, 30));
    }

    @Test
    void contentThatBreaksTheSchemaIsCorruptNamingTheField() {
        String key = BackupFixtures.key('A', "1111");
        String head = "{\"version\":1,\"exportedAt\":\"2026-01-01T00:00:00.000Z\",";
        assertCorrupt(seedFile(head + "\"accounts\":[{\"key\":\"" + key + "\",\"healthScore\":\"high\"}]}"),
                "accounts[0].healthScore is \"high\", not a number");
        assertCorrupt(seedFile(head + "\"accounts\":[{\"name\":\"x\"}]}"), "accounts[0] has no key");
        assertCorrupt(seedFile(head + "\"accounts\":{}}"), "\"accounts\" is {}, not an array");
        assertCorrupt(seedFile(head + "\"accounts\":[],\"rotationStrategy\":\"fastest\"}"),
                "\"rotationStrategy\" is \"fastest\", not one of health-based, round-robin, sticky");
        assertCorrupt(seedFile(head + "\"accounts\":[],\"healthRefreshCooldownMinutes\":0}"),
                "\"healthRefreshCooldownMinutes\" is 0, not a number of minutes from 1 to 1440");
        assertCorrupt(seedFile(head + "\"accounts\":[],\"autoRefreshHealth\":\"yes\"}"),
                "\"autoRefreshHealth\" is \"yes\", not true or false");
        assertCorrupt(seedFile("{\"version\":1,\"exportedAt\":\"yesterday\",\"accounts\":[]}"),
                "\"exportedAt\" is \"yesterday\", not an ISO-8601 instant");
    }

    @Test
    void v2ContentIsCheckedLikeTheSeeds() {
        byte[] password = Secrets.utf8(PASSWORD);
        byte[] file = V2Format.seal("{\"exportedAt\":\"2026-01-01T00:00:00.000Z\",\"accounts\":[],\"strategy\":3}"
                .getBytes(StandardCharsets.UTF_8), password, BackupFixtures.CHEAP, new SecureRandom());

        assertCorrupt(file, "\"strategy\" is 3, not a name");
    }

    private byte[] seedFile(String plaintext) {
        return SeedFormat.seal(plaintext.getBytes(StandardCharsets.UTF_8), Secrets.utf8(PASSWORD), new SecureRandom());
    }

    private void assertUnknownFormat(byte[] file, String found) {
        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FORMAT);
                    assertThat(e.exitCode()).isEqualTo(1);
                })
                .hasMessage("unknown backup format in " + FILE + ": " + found);
    }

    private void assertCorrupt(byte[] file, String what) {
        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE))
                .hasMessage("invalid content in backup " + FILE + ": " + what);
    }
}
