package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TestAddKeyValidation {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";

    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(home);
    }

    static Stream<Arguments> badKeys() {
        return Stream.of(
                Arguments.of("", "the key is empty"),
                Arguments.of("sk-other-AAAAAAAAAAAAAAAAAAAAAAAA", "must start with 'sk-kimi-'"),
                Arguments.of("sk-kimi-AAAAAAAAAAA", "it has 19 characters, it must have 20 to 128"),
                Arguments.of("sk-kimi-" + "A".repeat(121), "it has 129 characters, it must have 20 to 128"),
                Arguments.of("sk-kimi-AAAAAAAA AAAAAAAAAAA", "only letters, digits"),
                Arguments.of("sk-kimi-AAAAAAAAAAAA$AAAAAAAAA", "only letters, digits"),
                Arguments.of("sk-kimi-AAAAAAAAAAAAÄAAAAAAAAA", "only letters, digits"));
    }

    @ParameterizedTest
    @MethodSource("badKeys")
    void invalidKeyIsRefusedWithExitTwoAndNoFile(String key, String message) throws Exception {
        CliRunner.Result r = cli.run("add-key", key, "Name");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains(message);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(cli.fileBytes()).isNull();
    }

    @Test
    void invalidKeyLeavesExistingFileByteForByte() throws Exception {
        assertThat(cli.run("add-key", KEY_A, "Alpha").exitCode()).isZero();
        byte[] before = cli.fileBytes();
        assertThat(cli.run("add-key", "sk-kimi-short", "Beta").exitCode()).isEqualTo(2);
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void boundaryLengthsAreAccepted() {
        String shortest = "sk-kimi-" + "a".repeat(12);
        String longest = "sk-kimi-" + "b".repeat(120);
        assertThat(shortest).hasSize(20);
        assertThat(longest).hasSize(128);
        assertThat(cli.run("add-key", shortest).exitCode()).isZero();
        assertThat(cli.run("add-key", longest).exitCode()).isZero();
        assertThat(cli.run("add-key", "sk-kimi-under_score-dash9").exitCode()).isZero();
    }

    @Test
    void errorNeverShowsTheWholeKey() {
        String bad = "sk-kimi-SECRETSECRETSECRET!!";
        CliRunner.Result r = cli.run("add-key", bad);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("SECRETSECRET").contains("sk-kimi-...T!!".substring(0, 11));
    }

    @Test
    void duplicateKeyIsRefused() throws Exception {
        cli.run("add-key", KEY_A, "Alpha");
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("add-key", KEY_A, "Again");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: key sk-kimi-...1111 is already stored as [0] Alpha");
        assertThat(r.err()).doesNotContain(KEY_A);
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void atMostOneHundredKeys() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertThat(cli.run("add-key", String.format("sk-kimi-%020d", i)).exitCode()).isZero();
        }
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("add-key", KEY_A);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("at most 100 keys");
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void nameRules() throws Exception {
        assertThat(cli.run("add-key", KEY_A, "  Padded Name  ").exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_B).exitCode()).isZero();
        String json = new String(cli.fileBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("\"name\": \"Padded Name\"").contains("\"name\": \"Account 2\"");
        byte[] before = cli.fileBytes();

        CliRunner.Result tooLong = cli.run("add-key", "sk-kimi-CCCCCCCCCCCCCCCCCCCC", "n".repeat(65));
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("invalid name: it has 65 characters, at most 64");
        CliRunner.Result control = cli.run("add-key", "sk-kimi-CCCCCCCCCCCCCCCCCCCC", "bad\tname");
        assertThat(control.exitCode()).isEqualTo(2);
        assertThat(control.err()).contains("U+0009, a control or invisible formatting character");
        assertThat(cli.fileBytes()).isEqualTo(before);

        assertThat(cli.run("add-key", "sk-kimi-CCCCCCCCCCCCCCCCCCCC", "n".repeat(64)).exitCode()).isZero();
        assertThat(cli.run("add-key", "sk-kimi-DDDDDDDDDDDDDDDDDDDD", "Ünïcødé 名前 🔑").exitCode()).isZero();
    }

    @Test
    void keyFromStdin() throws Exception {
        CliRunner.Result r = cli.runWithInput(KEY_A + "\n", "add-key", "-", "Piped");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Added key [0] Piped (sk-kimi-...1111)").doesNotContain(KEY_A);
        assertThat(new String(cli.fileBytes(), java.nio.charset.StandardCharsets.UTF_8)).contains(KEY_A);

        CliRunner.Result empty = cli.runWithInput("", "add-key", "-");
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("nothing was read from stdin");
    }
}
