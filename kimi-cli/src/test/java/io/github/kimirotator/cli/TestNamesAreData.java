package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names are data: refused on add-key, cleaned on import, escaped on display. */
class TestNamesAreData {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    static final String KEY_C = "sk-kimi-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3333";
    static final String DANGEROUS = "\u001b\u009b\u0007\r\n\t\u0000\u007f\u202e\u202a\u2066\u2069\u200b\u200e\u061c\ufeff\u2028";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    /** Writes an accounts file as the seed would, holding {@code names} as they are. */
    static void writeAccounts(Path file, String... names) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode accounts = root.putArray("accounts");
        String[] keys = {KEY_A, KEY_B, KEY_C};
        for (int i = 0; i < names.length; i++) {
            ObjectNode a = accounts.addObject();
            a.put("key", keys[i]);
            a.put("name", names[i]);
            a.put("addedAt", 1L);
            a.put("lastUsed", 1L);
            a.put("rateLimitResetTime", 0);
            a.put("billingLimitResetTime", 0);
            a.put("healthScore", 100);
            a.put("consecutiveFailures", 0);
            a.put("consecutiveBillingLimitHits", 0);
            a.put("totalRequests", 0);
            a.put("successfulRequests", 0);
            a.putArray("responseTimes");
            a.putObject("dailyRequests");
        }
        root.put("activeIndex", 0);
        root.put("rotationStrategy", "health-based");
        root.put("autoRefreshHealth", true);
        root.put("healthRefreshCooldownMinutes", 30);
        Files.createDirectories(file.getParent());
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    @Test
    void addKeyRefusesInvisibleAndControlCharacters() throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A, "Alpha").exitCode()).isZero();
        byte[] before = cli.fileBytes();
        for (String bad : List.of("evil\u202egnp.exe", "zero\u200bwidth", "esc\u001b[31m", "line\u2028sep", "bell\u0007")) {
            CliRunner.Result r = cli.run("add-key", KEY_B, bad);
            assertThat(r.exitCode()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).startsWith("error: invalid name: it contains U+").doesNotContain(bad)
                    .matches("[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]*");
            assertThat(cli.fileBytes()).isEqualTo(before);
        }
        assertThat(cli.run("add-key", KEY_B, "evil\u202egnp.exe").err()).contains("U+202E");
        assertThat(cli.run("add-key", KEY_B, "Ünïcödé 名前 🙂").exitCode()).isZero();
    }

    @Test
    void importCleansNamesAndSaysHowMany() throws Exception {
        CliRunner source = new CliRunner(home.resolve("source"));
        writeAccounts(source.accountsFile(), "Evil\u001b]0;pwned\u0007\r\nName", "x".repeat(200), "Fine Name");
        Path backup = home.resolve("backup.enc");
        assertThat(source.runWithInput("a long password\n", "export-keys", backup.toString(), "--password-stdin").exitCode()).isZero();

        CliRunner target = new CliRunner(home.resolve("target")).variable(Passwords.VARIABLE, "a long password");
        CliRunner.Result r = target.run("import-keys", backup.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("imported 3, skipped 0 duplicates\n")
                .contains("cleaned 2 names: control and invisible formatting characters removed, cut to 64 characters\n");
        JsonNode accounts = JSON.readTree(target.fileBytes()).get("accounts");
        assertThat(accounts.get(0).get("name").asText()).isEqualTo("Evil]0;pwnedName");
        assertThat(accounts.get(1).get("name").asText()).isEqualTo("x".repeat(64));
        assertThat(accounts.get(2).get("name").asText()).isEqualTo("Fine Name");
    }

    @Test
    void namesFromTheFileAreShownEscaped() throws Exception {
        CliRunner cli = new CliRunner(home);
        writeAccounts(cli.accountsFile(), "Evil\u001b[2J\u202eName", "Beta");
        CliRunner.Result list = cli.run("list-keys");
        assertThat(list.out()).contains("● [0] Evil\\u001b[2J\\u202eName").doesNotContain("\u001b").doesNotContain("\u202e");
        assertThat(cli.run("stats").out()).contains("[0] Evil\\u001b[2J\\u202eName").doesNotContain("\u001b");
        assertThat(cli.run("use-key", "0").out()).contains("Evil\\u001b[2J\\u202eName").doesNotContain("\u001b");
        assertThat(cli.run("remove-key", "0").out()).contains("Evil\\u001b[2J\\u202eName").doesNotContain("\u001b");
    }

    private Path propertyHome;

    @AfterProperty
    void removePropertyHome() throws IOException {
        if (propertyHome != null) {
            try (var files = Files.walk(propertyHome)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Property(tries = 100)
    void displayNeverSendsControlOrBidiCharacters(@ForAll("names") String first, @ForAll("names") String second,
            @ForAll("names") String reason, @ForAll("names") String strategy) throws Exception {
        propertyHome = Files.createTempDirectory("kimi-names");
        CliRunner cli = new CliRunner(propertyHome);
        writeAccounts(cli.accountsFile(), first, second);
        // Every text the file carries and a view shows: the names, a limit's reason, our strategy field.
        ObjectNode root = (ObjectNode) JSON.readTree(cli.fileBytes());
        root.put("strategy", strategy);
        ((ObjectNode) root.get("accounts").get(0)).put("limitReason", reason).put("rateLimitResetTime", 4102444800000L);
        ((ObjectNode) root.get("accounts").get(1)).put("limitReason", reason).put("disabled", true);
        Files.write(cli.accountsFile(), JSON.writeValueAsBytes(root));
        for (String[] command : new String[][] {{"list-keys"}, {"stats"}, {"use-key", "0"}, {"use-key", "1"},
            {"clear-limits", "0"}, {"rotate"}, {"remove-key", "1"}}) {
            CliRunner.Result r = cli.run(command);
            assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.err()).isLessThanOrEqualTo(1);
            assertNoControlOrBidi(r.out());
            assertNoControlOrBidi(r.err());
        }
    }

    static void assertNoControlOrBidi(String text) {
        text.codePoints().forEach(cp -> {
            boolean c0 = cp < 0x20 && cp != '\n';
            boolean c1 = cp >= 0x7f && cp <= 0x9f;
            boolean bidi = cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e)
                    || (cp >= 0x2066 && cp <= 0x2069);
            assertThat(c0 || c1 || bidi || Character.getType(cp) == Character.FORMAT)
                    .as("U+%04X in %s", cp, text).isFalse();
        });
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\uffff').ofMaxLength(80),
                Arbitraries.strings().withChars(DANGEROUS + "ab [];\\").ofMaxLength(40),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(80));
    }
}
