package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TestV2Format {
    private static final String FILE = "backup.json.enc";
    private static final char[] PASSWORD = BackupFixtures.PASSWORD.toCharArray();

    private final Account alpha = BackupFixtures.busyAccount(BackupFixtures.key('A', "1111"), "Älpha 🔑");
    private final Account beta = Account.newKey(BackupFixtures.key('B', "2222"), "Beta", 1_700_000_000_000L);
    private final AccountsState state = BackupFixtures.stateOf(List.of(alpha, beta));
    private final BackupCodec codec = BackupFixtures.cheapCodec();
    private final byte[] exported = codec.export(state, PASSWORD, BackupFormat.V2);

    @Test
    void theProductWritesArgon2idWith64MiBAnd3Iterations() {
        BackupCodec product = new BackupCodec(BackupFixtures.CLOCK);

        byte[] file = product.export(state, PASSWORD, BackupFormat.V2);

        JsonNode envelope = BackupFixtures.tree(file);
        assertThat(fieldNames(envelope)).containsExactly("format", "version", "kdf", "salt", "nonce", "ciphertext");
        assertThat(envelope.get("format").textValue()).isEqualTo("kimi-rotator-backup");
        assertThat(envelope.get("version").intValue()).isEqualTo(2);
        assertThat(envelope.get("kdf").toString())
                .isEqualTo("{\"name\":\"argon2id\",\"memoryKiB\":65536,\"iterations\":3,\"parallelism\":4}");
        assertThat(Base64.getDecoder().decode(envelope.get("salt").textValue())).hasSize(16);
        assertThat(Base64.getDecoder().decode(envelope.get("nonce").textValue())).hasSize(12);
        assertThat(product.read(file, PASSWORD, FILE).accounts()).containsExactly(alpha, beta);
    }

    @Test
    void roundTripKeepsEveryFieldAndSetting() {
        ImportedBackup backup = codec.read(exported, PASSWORD, FILE);

        assertThat(backup.format()).isEqualTo(BackupFormat.V2);
        assertThat(backup.exportedAt()).isEqualTo(BackupFixtures.NOW);
        assertThat(backup.accounts()).containsExactly(alpha, beta);
        assertThat(backup.settings()).isEqualTo(new BackupSettings("sticky", "least-used", false, 45));
    }

    @Test
    void nothingSecretIsReadableInTheFile() {
        String text = new String(exported, StandardCharsets.UTF_8);

        assertThat(text).doesNotContain(alpha.key(), alpha.key().substring(8, 20), "Beta", "sticky",
                BackupFixtures.PASSWORD);
    }

    @Test
    void everyExportHasItsOwnSaltAndNonce() {
        JsonNode first = BackupFixtures.tree(exported);
        JsonNode second = BackupFixtures.tree(codec.export(state, PASSWORD, BackupFormat.V2));

        assertThat(second.get("salt")).isNotEqualTo(first.get("salt"));
        assertThat(second.get("nonce")).isNotEqualTo(first.get("nonce"));
    }

    @Test
    void reindentingOrReorderingTheEnvelopeChangesNothing() {
        ObjectNode reordered = BackupFixtures.JSON.createObjectNode();
        ObjectNode original = BackupFixtures.tree(exported);
        List<String> names = fieldNames(original);
        for (int i = names.size() - 1; i >= 0; i--) {
            reordered.set(names.get(i), original.get(names.get(i)));
        }

        assertThat(codec.read(BackupFixtures.bytes(reordered), PASSWORD, FILE).accounts()).containsExactly(alpha, beta);
    }

    @Test
    void theWidestParallelismIsAccepted() {
        BackupCodec wide = new BackupCodec(BackupFixtures.CLOCK, new SecureRandom(),
                new Argon2Params(Argon2Params.MIN_MEMORY_KIB, 1, Argon2Params.MAX_PARALLELISM));

        assertThat(wide.read(wide.export(state, PASSWORD, BackupFormat.V2), PASSWORD, FILE).accounts())
                .containsExactly(alpha, beta);
    }

    @Test
    void aWrongPasswordIsRefused() {
        assertThatThrownBy(() -> codec.read(exported, "correct horse battery!".toCharArray(), FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD))
                .hasMessage("wrong password or damaged file: " + FILE);
    }

    static Stream<Arguments> headerEditsWithinBounds() {
        return Stream.of(
                edit("memoryKiB + 1", e -> kdf(e).put("memoryKiB", BackupFixtures.CHEAP.memoryKiB() + 1)),
                edit("iterations + 1", e -> kdf(e).put("iterations", 2)),
                edit("parallelism + 1", e -> kdf(e).put("parallelism", 2)),
                edit("another salt", e -> e.put("salt", Base64.getEncoder().encodeToString(new byte[16]))),
                edit("a shorter salt", e -> e.put("salt", Base64.getEncoder().encodeToString(new byte[8]))),
                edit("another nonce", e -> e.put("nonce", Base64.getEncoder().encodeToString(new byte[12]))),
                edit("a longer nonce", e -> e.put("nonce", Base64.getEncoder().encodeToString(new byte[16]))),
                edit("an added header field", e -> e.put("comment", "hello")),
                edit("an added kdf field", e -> kdf(e).put("secret", "")),
                edit("a number as text", e -> kdf(e).put("iterations", "1")),
                edit("no nonce", e -> e.remove("nonce")),
                edit("no ciphertext", e -> e.remove("ciphertext")),
                edit("ciphertext not base64", e -> e.put("ciphertext", "***")),
                edit("a short ciphertext", e -> e.put("ciphertext", "AAAA")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headerEditsWithinBounds")
    void anyOtherHeaderIsDetected(String what, Consumer<ObjectNode> change) {
        byte[] file = BackupFixtures.edited(exported, change);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD))
                .hasMessage("wrong password or damaged file: " + FILE);
    }

    @Test
    void aHeaderFieldOnlyTheTagCoversIsDetected() {
        // The same file re-serialized without the field reads fine, so the added field alone is what fails.
        byte[] roundTripped = BackupFixtures.edited(exported, e -> { });
        assertThat(codec.read(roundTripped, PASSWORD, FILE).accounts()).hasSize(2);

        byte[] withField = BackupFixtures.edited(exported, e -> e.put("note", "x"));
        assertThatThrownBy(() -> codec.read(withField, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD));
    }

    static Stream<Arguments> unsafeParameters() {
        return Stream.of(
                edit("memoryKiB 8191 is outside 8192..1048576", e -> kdf(e).put("memoryKiB", 8191)),
                edit("memoryKiB 1048577 is outside 8192..1048576", e -> kdf(e).put("memoryKiB", 1048577)),
                edit("memoryKiB 2147483647 is outside 8192..1048576", e -> kdf(e).put("memoryKiB", Integer.MAX_VALUE)),
                edit("memoryKiB -1 is outside 8192..1048576", e -> kdf(e).put("memoryKiB", -1)),
                edit("memoryKiB 4294967296 is out of range", e -> kdf(e).put("memoryKiB", 4294967296L)),
                edit("iterations 0 is outside 1..10", e -> kdf(e).put("iterations", 0)),
                edit("iterations 11 is outside 1..10", e -> kdf(e).put("iterations", 11)),
                edit("iterations 1000000 is outside 1..10", e -> kdf(e).put("iterations", 1_000_000)),
                edit("parallelism 0 is outside 1..16", e -> kdf(e).put("parallelism", 0)),
                edit("parallelism 17 is outside 1..16", e -> kdf(e).put("parallelism", 17)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafeParameters")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parametersOutsideTheBoundsAreRefusedBeforeDeriving(String why, Consumer<ObjectNode> change) {
        byte[] file = BackupFixtures.edited(exported, change);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FORMAT))
                .hasMessage("refusing the key derivation parameters of " + FILE + ": " + why);
    }

    static Stream<Arguments> unknownFormats() {
        return Stream.of(
                edit("format \"kimi-backup\" (this build reads \"kimi-rotator-backup\")",
                        e -> e.put("format", "kimi-backup")),
                edit("format 7 (this build reads \"kimi-rotator-backup\")", e -> e.put("format", 7)),
                edit("JSON without a \"format\" field", e -> e.remove("format")),
                edit("kimi-rotator-backup version 3 (this build reads version 2)", e -> e.put("version", 3)),
                edit("kimi-rotator-backup version 1 (this build reads version 2)", e -> e.put("version", 1)),
                edit("kimi-rotator-backup version \"2\" (this build reads version 2)", e -> e.put("version", "2")),
                edit("kimi-rotator-backup version nothing (this build reads version 2)", e -> e.remove("version")),
                edit("key derivation \"scrypt\" (this build reads \"argon2id\")", e -> kdf(e).put("name", "scrypt")),
                edit("key derivation nothing (this build reads \"argon2id\")", e -> e.remove("kdf")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownFormats")
    void anUnknownFormatSaysWhatWasFound(String found, Consumer<ObjectNode> change) {
        byte[] file = BackupFixtures.edited(exported, change);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FORMAT))
                .hasMessage("unknown backup format in " + FILE + ": " + found);
    }

    @Test
    void whatWasFoundIsShownOnOneShortLine() {
        byte[] file = BackupFixtures.edited(exported,
                e -> e.put("format", "line\nbreak and a very long tail that goes on and on"));

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .hasMessage("unknown backup format in " + FILE
                        + ": format \"line\\nbreak and a very long tail that g... (this build reads \"kimi-rotator-backup\")");
    }

    @Test
    void anUnencryptedAccountsFileIsNamedAsSuch() {
        byte[] file = "{\n  \"version\": 1,\n  \"accounts\": []\n}\n".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FORMAT))
                .hasMessage("unknown backup format in " + FILE
                        + ": JSON without a \"format\" field; it looks like an unencrypted accounts file");
    }

    @Test
    void aTruncatedEnvelopeIsDamaged() {
        byte[] file = new String(exported, StandardCharsets.UTF_8).substring(0, exported.length / 2)
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD));
    }

    @Test
    void aDuplicatedHeaderFieldIsDamaged() {
        String text = new String(exported, StandardCharsets.UTF_8);
        byte[] file = text.replaceFirst("\\{", "{\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\",").getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.read(file, PASSWORD, FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD));
    }

    private static Arguments edit(String name, Consumer<ObjectNode> change) {
        return Arguments.of(name, change);
    }

    private static ObjectNode kdf(ObjectNode envelope) {
        return (ObjectNode) envelope.get("kdf");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
