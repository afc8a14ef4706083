package io.github.kimirotator.storage.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Round trips and tampering over arbitrary accounts, names and passwords. Key derivation is slow on purpose
 * (scrypt as the seed sets it costs ~50 ms a try), hence the small numbers of tries.
 */
class TestBackupProperties {
    private static final String FILE = "prop.enc";

    private final BackupCodec codec = BackupFixtures.cheapCodec();

    @Property(tries = 30)
    void v2KeepsEverything(@ForAll("states") AccountsState state, @ForAll("passwords") String password) {
        byte[] file = codec.export(state, password.toCharArray(), BackupFormat.V2);

        ImportedBackup backup = codec.read(file, password.toCharArray(), FILE);

        assertThat(backup.format()).isEqualTo(BackupFormat.V2);
        assertThat(backup.exportedAt()).isEqualTo(BackupFixtures.NOW);
        assertThat(backup.accounts()).isEqualTo(state.accounts());
        assertThat(backup.settings()).isEqualTo(BackupSettings.of(state));
    }

    @Property(tries = 15)
    void seedFormatKeepsWhatTheSeedKnows(@ForAll("states") AccountsState state, @ForAll("passwords") String password) {
        byte[] file = codec.export(state, password.toCharArray(), BackupFormat.SEED);

        ImportedBackup backup = codec.read(file, password.toCharArray(), FILE);

        assertThat(backup.format()).isEqualTo(BackupFormat.SEED);
        assertThat(backup.accounts()).isEqualTo(state.accounts().stream().map(TestBackupProperties::seedFieldsOnly).toList());
        assertThat(backup.settings()).isEqualTo(new BackupSettings(state.rotationStrategy(), null,
                state.autoRefreshHealth(), state.healthRefreshCooldownMinutes()));
    }

    @Property(tries = 30)
    void anyChangedByteOfAV2FileFailsAsDamaged(
            @ForAll("states") AccountsState state,
            @ForAll("v2Parts") String part,
            @ForAll @IntRange(min = 0, max = 100_000) int position,
            @ForAll @IntRange(min = 1, max = 255) int flip) {
        byte[] file = codec.export(state, BackupFixtures.PASSWORD.toCharArray(), BackupFormat.V2);
        byte[] tampered = BackupFixtures.edited(file, envelope -> {
            byte[] bytes = Base64.getDecoder().decode(envelope.get(part).textValue());
            bytes[position % bytes.length] ^= (byte) flip;
            envelope.put(part, Base64.getEncoder().encodeToString(bytes));
        });

        assertWrongPasswordOrDamaged(tampered);
    }

    @Property(tries = 20)
    void anyChangedByteOfASeedFileFailsAsDamaged(
            @ForAll("states") AccountsState state,
            @ForAll @IntRange(min = 0, max = 100_000) int position,
            @ForAll @IntRange(min = 1, max = 255) int flip) {
        byte[] file = codec.export(state, BackupFixtures.PASSWORD.toCharArray(), BackupFormat.SEED);
        byte[] blob = Base64.getDecoder().decode(new String(file, StandardCharsets.US_ASCII));
        blob[position % blob.length] ^= (byte) flip;

        assertWrongPasswordOrDamaged(Base64.getEncoder().encode(blob));
    }

    @Property(tries = 25)
    void anyOtherKdfValueIsRefusedNeverImported(
            @ForAll("kdfFields") String field,
            @ForAll("kdfValues") int value) {
        AccountsState state = BackupFixtures.stateOf(
                List.of(Account.newKey(BackupFixtures.key('A', "1111"), "Alpha", 1L)));
        byte[] file = codec.export(state, BackupFixtures.PASSWORD.toCharArray(), BackupFormat.V2);
        ObjectNode kdf = (ObjectNode) BackupFixtures.tree(file).get("kdf");
        Assume.that(kdf.get(field).intValue() != value);
        byte[] tampered = BackupFixtures.edited(file, envelope -> ((ObjectNode) envelope.get("kdf")).put(field, value));

        assertThatThrownBy(() -> codec.read(tampered, BackupFixtures.PASSWORD.toCharArray(), FILE))
                .isInstanceOfSatisfying(KimiException.class,
                        e -> assertThat(e.code()).isIn(ErrorCode.WRONG_PASSWORD, ErrorCode.UNKNOWN_FORMAT));
    }

    @Property(tries = 20)
    void aWrongPasswordNeverImports(
            @ForAll("passwords") String password,
            @ForAll("passwords") String other,
            @ForAll("formats") BackupFormat format) {
        // Lone surrogates all encode to U+FFFD, so only passwords with different bytes are different.
        Assume.that(!Arrays.equals(Secrets.utf8(password.toCharArray()), Secrets.utf8(other.toCharArray())));
        AccountsState state = BackupFixtures.stateOf(
                List.of(Account.newKey(BackupFixtures.key('A', "1111"), "Alpha", 1L)));
        byte[] file = codec.export(state, password.toCharArray(), format);

        assertThatThrownBy(() -> codec.read(file, other.toCharArray(), FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD));
    }

    private void assertWrongPasswordOrDamaged(byte[] file) {
        assertThatThrownBy(() -> codec.read(file, BackupFixtures.PASSWORD.toCharArray(), FILE))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WRONG_PASSWORD))
                .hasMessage("wrong password or damaged file: " + FILE);
    }

    private static Account seedFieldsOnly(Account account) {
        return account.toBuilder().disabled(false).limitReason(null).lastPenaltyAt(0).lastRecoveryAt(0)
                .extra(Map.of()).build();
    }

    @Provide
    Arbitrary<String> v2Parts() {
        return Arbitraries.of("salt", "nonce", "ciphertext");
    }

    @Provide
    Arbitrary<String> kdfFields() {
        return Arbitraries.of("memoryKiB", "iterations", "parallelism");
    }

    /** Cheap values inside the bounds (so a wrong one costs little to derive) and any values outside. */
    @Provide
    Arbitrary<Integer> kdfValues() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 16),
                Arbitraries.integers().between(Argon2Params.MIN_MEMORY_KIB, Argon2Params.MIN_MEMORY_KIB + 64),
                Arbitraries.integers().between(Integer.MIN_VALUE, 0),
                Arbitraries.integers().between(Argon2Params.MAX_MEMORY_KIB + 1, Integer.MAX_VALUE));
    }

    @Provide
    Arbitrary<BackupFormat> formats() {
        return Arbitraries.of(BackupFormat.class);
    }

    /** Any characters at all, lone surrogates included; at least the eight that export requires. */
    @Provide
    Arbitrary<String> passwords() {
        return Arbitraries.strings().all().ofMinLength(BackupCodec.MIN_PASSWORD_LENGTH).ofMaxLength(40);
    }

    @Provide
    Arbitrary<AccountsState> states() {
        Arbitrary<List<Account>> accounts = accounts().list().ofMaxSize(5).uniqueElements(Account::key);
        Arbitrary<String> ours = Arbitraries.of("least-used", "fastest-first", "mein-plugin-ü").injectNull(0.5);
        return Combinators.combine(accounts, Arbitraries.of(AccountsState.SEED_STRATEGIES), ours,
                        Arbitraries.of(true, false), Arbitraries.integers().between(1, 1440))
                .as((list, seed, plugin, auto, cooldown) ->
                        new AccountsState(1, list, 0, seed, plugin, auto, cooldown, Map.of()));
    }

    private static Arbitrary<Account> accounts() {
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                .withCharRange('0', '9').withChars('_', '-').ofMinLength(12).ofMaxLength(60).map(s -> "sk-kimi-" + s);
        Arbitrary<long[]> times = Arbitraries.longs().between(0, 4_102_444_800_000L).array(long[].class).ofSize(6);
        Arbitrary<int[]> counters = Arbitraries.integers().between(0, 1_000_000).array(int[].class).ofSize(4);
        Arbitrary<List<Long>> responseTimes = Arbitraries.longs().between(0, 600_000).list().ofMaxSize(5);
        Arbitrary<TreeMap<String, Long>> daily = Arbitraries.maps(
                        Arbitraries.integers().between(19_000, 22_000).map(d -> LocalDate.ofEpochDay(d).toString()),
                        Arbitraries.longs().between(0, 100_000))
                .ofMaxSize(4).map(TreeMap::new);
        Arbitrary<String> reason = Arbitraries.strings().ofMaxLength(30).injectNull(0.5);
        Arbitrary<Map<String, Object>> extra = Arbitraries.maps(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8).map(s -> "x" + s),
                Arbitraries.oneOf(names().map(Object.class::cast), Arbitraries.integers().map(Object.class::cast),
                        Arbitraries.of(true, false).map(Object.class::cast))).ofMaxSize(3);
        Arbitrary<Object[]> ourFields = Combinators.combine(Arbitraries.of(true, false), reason, extra)
                .as((disabled, why, more) -> new Object[] {disabled, why, more});
        return Combinators.combine(keys, names(), times, counters, Arbitraries.integers().between(0, 100),
                        responseTimes, daily, ourFields)
                .as((key, name, t, c, health, rt, days, ours) -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> more = (Map<String, Object>) ours[2];
                    return new Account(key, name, t[0], t[1], t[2], t[3], health, c[0], c[1], c[2], c[3], rt, days,
                            (Boolean) ours[0], (String) ours[1], t[4], t[5], more);
                });
    }

    /** Names in any script, emoji included; never blank, which import would replace by "Account N". */
    private static Arbitrary<String> names() {
        Arbitrary<Integer> codePoints = Arbitraries.oneOf(
                Arbitraries.integers().between(0x20, 0x7E),
                Arbitraries.integers().between(0xA0, 0xD7FF),
                Arbitraries.integers().between(0xE000, 0xFFFD),
                Arbitraries.integers().between(0x1F300, 0x1FAFF),
                Arbitraries.integers().between(0x20000, 0x2A6DF));
        return codePoints.list().ofMinSize(1).ofMaxSize(20)
                .map(list -> {
                    StringBuilder name = new StringBuilder();
                    list.forEach(name::appendCodePoint);
                    return name.toString();
                })
                .filter(name -> !name.isBlank());
    }
}
