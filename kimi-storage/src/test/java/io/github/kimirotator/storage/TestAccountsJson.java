package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TestAccountsJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static String seedFixture() throws IOException {
        try (InputStream in = TestAccountsJson.class.getResourceAsStream("/seed/accounts-basic.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void seedFileLoadsWithEveryValue() throws IOException {
        AccountsState state = AccountsJson.parse(seedFixture(), "seed.json");

        assertThat(state.version()).isEqualTo(1);
        assertThat(state.activeIndex()).isZero();
        assertThat(state.rotationStrategy()).isEqualTo("round-robin");
        assertThat(state.strategy()).isNull();
        assertThat(state.autoRefreshHealth()).isTrue();
        assertThat(state.healthRefreshCooldownMinutes()).isEqualTo(45);
        assertThat(state.extra()).isEmpty();
        assertThat(state.accounts()).extracting(Account::key).containsExactly(
                "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111",
                "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222",
                "sk-kimi-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3333");
        assertThat(state.accounts()).extracting(Account::name).containsExactly("Alpha", "Beta", "Account 3");
        assertThat(state.accounts()).extracting(Account::addedAt)
                .containsExactly(1795605393028L, 1795605393138L, 1795605393244L);
        assertThat(state.accounts().get(2)).isEqualTo(
                Account.newKey("sk-kimi-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3333", "Account 3", 1795605393244L));
    }

    @Test
    void seedFileRewrittenUnchangedIsByteIdentical() throws IOException {
        String seed = seedFixture();

        String rewritten = AccountsJson.format(AccountsJson.parse(seed, "seed.json"));

        assertThat(MAPPER.readTree(rewritten)).isEqualTo(MAPPER.readTree(seed));
        assertThat(rewritten).isEqualTo(seed);
    }

    @Test
    void unknownFieldsSurviveARewriteInTheirPlaceAfterTheKnownOnes() throws IOException {
        String text = """
                {
                  "future": {"a": [1, 2.5, "x", null, true]},
                  "version": 1,
                  "accounts": [
                    {
                      "note": "mine",
                      "key": "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111",
                      "tags": ["a", "b"],
                      "name": "Alpha",
                      "addedAt": 5,
                      "lastUsed": 6
                    }
                  ],
                  "theme": "dark",
                  "activeIndex": 0,
                  "huge": 123456789012345678901234567890
                }""";

        String rewritten = AccountsJson.format(AccountsJson.parse(text, "f.json"));

        JsonNode tree = MAPPER.readTree(rewritten);
        assertThat(fieldNames(tree)).containsExactly("version", "accounts", "activeIndex", "rotationStrategy",
                "autoRefreshHealth", "healthRefreshCooldownMinutes", "future", "theme", "huge");
        assertThat(tree.get("future")).isEqualTo(MAPPER.readTree("{\"a\": [1, 2.5, \"x\", null, true]}"));
        assertThat(tree.get("theme").textValue()).isEqualTo("dark");
        assertThat(tree.get("huge").bigIntegerValue()).hasToString("123456789012345678901234567890");
        JsonNode account = tree.get("accounts").get(0);
        assertThat(fieldNames(account)).endsWith("dailyRequests", "note", "tags");
        assertThat(account.get("note").textValue()).isEqualTo("mine");
        assertThat(account.get("tags")).isEqualTo(MAPPER.readTree("[\"a\", \"b\"]"));
    }

    @Test
    void ourFieldsAreWrittenOnlyWhenSet() throws IOException {
        Account plain = Account.newKey("sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111", "A", 1);
        Account marked = plain.toBuilder().disabled(true).limitReason("401 from upstream")
                .lastPenaltyAt(7).lastRecoveryAt(8).build();
        AccountsState state = AccountsState.empty().withAccounts(List.of(plain, marked)).withStrategy("least-used");

        JsonNode tree = MAPPER.readTree(AccountsJson.format(state));

        assertThat(fieldNames(tree.get("accounts").get(0))).doesNotContain("disabled", "limitReason",
                "lastPenaltyAt", "lastRecoveryAt");
        assertThat(fieldNames(tree.get("accounts").get(1))).endsWith("dailyRequests", "disabled", "limitReason",
                "lastPenaltyAt", "lastRecoveryAt");
        assertThat(tree.get("strategy").textValue()).isEqualTo("least-used");
        assertThat(tree.get("rotationStrategy").textValue()).isEqualTo("health-based");
        assertThat(fieldNames(AccountsJson.toTree(AccountsState.empty()))).doesNotContain("strategy");
        assertThat(AccountsJson.parse(AccountsJson.format(state), "f")).isEqualTo(state);
    }

    @Test
    void aStateWritesTheSameBytesWhateverKindOfMapsItWasBuiltFrom() {
        // Accounts keep the maps they are given (or the health policy hands over) when those are already theirs;
        // the file is the same for the same state, whatever maps it was built from, its days oldest first.
        Account plain = Account.newKey("sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111", "A", 1);
        TreeMap<String, Long> newestFirst = new TreeMap<>(java.util.Comparator.reverseOrder());
        newestFirst.put("2026-03-10", 3L);
        newestFirst.put("2026-03-11", 4L);
        java.util.LinkedHashMap<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("zeta", 1L);
        extra.put("alpha", "x");
        Account given = plain.toBuilder().dailyRequests(newestFirst).extra(extra).build();
        Account rebuilt = plain.toBuilder().dailyRequests(new TreeMap<>(Map.of("2026-03-11", 4L, "2026-03-10", 3L)))
                .extra(Map.copyOf(extra)).build().toBuilder().extra(new java.util.LinkedHashMap<>(extra)).build();

        String text = AccountsJson.format(AccountsState.empty().withAccounts(List.of(given)));

        assertThat(text).isEqualTo(AccountsJson.format(AccountsState.empty().withAccounts(List.of(rebuilt))));
        assertThat(text.indexOf("2026-03-10")).isLessThan(text.indexOf("2026-03-11"));
        assertThat(text.indexOf("zeta")).isLessThan(text.indexOf("alpha"));
        assertThat(AccountsJson.format(AccountsJson.parse(text, "f"))).isEqualTo(text);
    }

    @Test
    void tokensPerDayAreOursOptionalAndABrokenEntryIsDroppedNotFatal() throws IOException {
        Account plain = Account.newKey("sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111", "A", 1);
        Account used = plain.toBuilder().dailyTokens(new java.util.TreeMap<>(java.util.Map.of(
                "2026-03-10", new io.github.kimirotator.api.TokenUsage(1200, 34, 500, 6)))).build();
        AccountsState state = AccountsState.empty().withAccounts(List.of(plain, used));

        String text = AccountsJson.format(state);
        JsonNode tree = MAPPER.readTree(text);

        assertThat(fieldNames(tree.get("accounts").get(0))).doesNotContain("dailyTokens");
        assertThat(tree.at("/accounts/1/dailyTokens/2026-03-10").toString())
                .isEqualTo("{\"input\":1200,\"output\":34,\"cacheRead\":500,\"cacheCreation\":6}");
        assertThat(AccountsJson.parse(text, "f")).isEqualTo(state);
        AccountsState odd = AccountsJson.parse("""
                {"accounts": [{"key": "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111",
                  "dailyTokens": {"2026-03-09": "lots", "2026-03-10": {"input": 5, "output": "x"}}}]}""", "f");
        assertThat(odd.accounts().get(0).dailyTokens()).containsOnlyKeys("2026-03-10");
        assertThat(odd.accounts().get(0).tokensOn("2026-03-10")).isEqualTo(new io.github.kimirotator.api.TokenUsage(5, 0, 0, 0));
    }

    @Test
    void fractionsAreRoundedAndMissingFieldsTakeDefaults() {
        AccountsState state = AccountsJson.parse("""
                {"accounts": [{"key": "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111", "healthScore": 98.0,
                  "totalRequests": 4.6, "responseTimes": [245.4, null, 198.5], "dailyRequests": {"2026-01-31": 12.0},
                  "consecutiveFailures": null, "addedAt": 1.7e12},
                  {"key": "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222", "healthScore": 140}]}""", "f.json");

        AccountsState defaults = AccountsState.empty();
        assertThat(state.version()).isEqualTo(defaults.version());
        assertThat(state.rotationStrategy()).isEqualTo(defaults.rotationStrategy());
        assertThat(state.autoRefreshHealth()).isEqualTo(defaults.autoRefreshHealth());
        assertThat(state.healthRefreshCooldownMinutes()).isEqualTo(defaults.healthRefreshCooldownMinutes());
        Account first = state.accounts().get(0);
        assertThat(first.healthScore()).isEqualTo(98);
        assertThat(first.totalRequests()).isEqualTo(5);
        assertThat(first.responseTimes()).containsExactly(245L, 199L);
        assertThat(first.dailyRequests()).isEqualTo(new TreeMap<>(Map.of("2026-01-31", 12L)));
        assertThat(first.consecutiveFailures()).isZero();
        assertThat(first.addedAt()).isEqualTo(1_700_000_000_000L);
        assertThat(first.name()).isEqualTo("Account 1");
        assertThat(first.lastUsed()).isZero();
        assertThat(state.accounts().get(1).healthScore()).isEqualTo(Account.MAX_HEALTH);
        assertThat(state.accounts().get(1).name()).isEqualTo("Account 2");
    }

    @Test
    void compactFileAsTheSeedCreatesItIsRead() {
        AccountsState state = AccountsJson.parse("{\"version\":1,\"activeIndex\":0,\"rotationStrategy\":"
                + "\"health-based\",\"autoRefreshHealth\":true,\"healthRefreshCooldownMinutes\":30,\"accounts\":[]}",
                "f.json");

        assertThat(state).isEqualTo(AccountsState.empty());
    }

    @Test
    void byteOrderMarkIsIgnored() throws IOException {
        assertThat(AccountsJson.parse("\uFEFF" + seedFixture(), "f.json"))
                .isEqualTo(AccountsJson.parse(seedFixture(), "f.json"));
    }

    @Test
    void stringsAreEscapedAsJavaScriptDoes() {
        Account account = Account.newKey("sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111",
                "q\"b\\s/\n\t\u0001é😀\uD800x", 0);

        String json = AccountsJson.format(AccountsState.empty().withAccounts(List.of(account)));

        assertThat(json).contains("\"name\": \"q\\\"b\\\\s/\\n\\t\\u0001é😀\\ud800x\"");
        assertThat(AccountsJson.parse(json, "f").accounts().get(0).name()).isEqualTo(account.name());
    }

    @Test
    void invalidJsonNamesFileLineAndColumn() {
        assertThatThrownBy(() -> AccountsJson.parse("{\n  \"version\": 1,\n  \"accounts\": [,]\n}", "/x/k.json"))
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                    assertThat(e.getMessage()).startsWith("/x/k.json is not valid JSON at line 3, column 16: ")
                            .doesNotContain("\n").doesNotContain("Source");
                });
        assertThatThrownBy(() -> AccountsJson.parse("  ", "/x/k.json"))
                .hasMessage("/x/k.json is not valid JSON at line 1, column 1: it holds no JSON value");
        assertThatThrownBy(() -> AccountsJson.parse("[1, 2", "/x/k.json"))
                .hasMessageStartingWith("/x/k.json is not valid JSON at line 1, column 6: unexpected end-of-input")
                .message().doesNotContain("Source").doesNotContain("REDACTED");
    }

    @Test
    void errorsNeverShowAKey() {
        String unquoted = "{\"accounts\": [{\"key\": sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111}]}";
        String bare = "{\"accounts\": [{\"key\": AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111}]}";

        assertThatThrownBy(() -> AccountsJson.parse(unquoted, "k.json")).message().doesNotContain("AAAAAAAAAAAA");
        assertThatThrownBy(() -> AccountsJson.parse(bare, "k.json")).message().doesNotContain("AAAAAAAAAAAA");
    }

    @Test
    void wrongStructureIsCorruptAndNamesTheField() {
        assertCorrupt("[]", "k.json: the top level must be a JSON object, found an array");
        assertCorrupt("{\"accounts\": {}}", "k.json: accounts must be an array, found an object");
        assertCorrupt("{\"accounts\": [7]}", "k.json: accounts[0] must be a JSON object, found a number");
        assertCorrupt("{\"accounts\": [{\"name\": \"x\"}]}", "k.json: accounts[0] has no key");
        assertCorrupt("{\"accounts\": [{\"key\": \"sk-kimi-x\", \"healthScore\": \"high\"}]}",
                "k.json: accounts[0].healthScore must be a number, found a string");
        assertCorrupt("{\"accounts\": [{\"key\": \"sk-kimi-x\", \"responseTimes\": [1, \"2\"]}]}",
                "k.json: accounts[0].responseTimes[1] must be a number, found a string");
        assertCorrupt("{\"accounts\": [{\"key\": \"sk-kimi-x\", \"dailyRequests\": []}]}",
                "k.json: accounts[0].dailyRequests must be an object, found an array");
        assertCorrupt("{\"autoRefreshHealth\": \"yes\"}",
                "k.json: autoRefreshHealth must be true or false, found a string");
        assertCorrupt("{\"rotationStrategy\": 3}", "k.json: rotationStrategy must be a string, found a number");
    }

    private static void assertCorrupt(String json, String message) {
        assertThatThrownBy(() -> AccountsJson.parse(json, "k.json"))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE))
                .hasMessage(message);
    }

    private static List<String> fieldNames(JsonNode node) {
        return node.properties().stream().map(Map.Entry::getKey).toList();
    }
}
