package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TestKeyCommands {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    static final String KEY_C = "sk-kimi-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3333";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void threeKeys() {
        cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A, "Alpha").exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_B, "Beta").exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_C).exitCode()).isZero();
    }

    JsonNode file() throws Exception {
        return JSON.readTree(cli.fileBytes());
    }

    JsonNode listJson() throws Exception {
        CliRunner.Result r = cli.run("--json", "list-keys");
        assertThat(r.exitCode()).isZero();
        return JSON.readTree(r.out());
    }

    @Test
    void listKeysShowsTheSeedView() {
        CliRunner.Result r = cli.run("list-keys");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("Kimi API Keys (3 total, strategy: health-based):")
                .contains("● [0] Alpha\n   Key: sk-kimi-...1111\n   Health: ██████████ 100%\n"
                        + "   Requests: 0/0 successful\n   Status: ✓ Active")
                .contains("○ [1] Beta").contains("○ [2] Account 3")
                .contains("Health auto-refresh: enabled (cooldown: 30 minutes)")
                .doesNotContain(KEY_A).doesNotContain("\u001b[");
    }

    @Test
    void listKeysJsonHasTheContractShape() throws Exception {
        JsonNode doc = listJson();
        assertThat(doc.get("strategy").asText()).isEqualTo("health-based");
        assertThat(doc.get("activeIndex").asInt()).isZero();
        JsonNode key = doc.get("keys").get(1);
        assertThat(key.get("index").asInt()).isEqualTo(1);
        assertThat(key.get("id").asText()).matches("k-[0-9a-f]{8}");
        assertThat(key.get("display").asText()).isEqualTo("sk-kimi-...2222");
        assertThat(key.get("name").asText()).isEqualTo("Beta");
        assertThat(key.get("health").asInt()).isEqualTo(100);
        assertThat(key.get("state").asText()).isEqualTo("active");
        assertThat(key.get("limitedUntil").isNull()).isTrue();
        for (String field : new String[] {"reason", "inFlight", "totalRequests", "successfulRequests", "requestsToday", "avgResponseMs"}) {
            assertThat(key.has(field)).as(field).isTrue();
        }
        assertThat(doc.toString()).doesNotContain(KEY_B);
    }

    @Test
    void emptyListSaysHowToAddAKey() {
        CliRunner fresh = new CliRunner(home.resolve("other"));
        CliRunner.Result r = fresh.run("list-keys");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("No keys yet").contains("kimi-rotator add-key");
    }

    @Test
    void removeKeyKeepsTheActiveKey() throws Exception {
        assertThat(cli.run("use-key", "2").exitCode()).isZero();
        CliRunner.Result r = cli.run("remove-key", "0");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Removed key [0] Alpha (sk-kimi-...1111)");
        JsonNode f = file();
        assertThat(f.get("accounts")).hasSize(2);
        assertThat(f.get("activeIndex").asInt()).isEqualTo(1);
        assertThat(f.get("accounts").get(1).get("key").asText()).isEqualTo(KEY_C);
    }

    @Test
    void removingTheActiveLastKeyMovesToAKeyThatExists() throws Exception {
        cli.run("use-key", "2");
        assertThat(cli.run("remove-key", "2").exitCode()).isZero();
        assertThat(file().get("activeIndex").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"remove-key,3,index 3 is out of range: there are 3 keys (0 to 2)",
        "remove-key,-1,index -1 is out of range", "use-key,7,index 7 is out of range",
        "use-key,abc,invalid index 'abc'", "clear-limits,3,index 3 is out of range",
        "clear-limits,1x,invalid index '1x': expected a number or all; there are 3 keys (0 to 2)"})
    void badIndexesAreRefused(String command, String index, String message) throws Exception {
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run(command, index);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains(message);
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void useKeySetsTheActiveIndex() throws Exception {
        CliRunner.Result r = cli.run("use-key", "1");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Active key: [1] Beta");
        assertThat(file().get("activeIndex").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "45", "1440"})
    void cooldownInRange(String minutes) throws Exception {
        assertThat(cli.run("set-cooldown", minutes).exitCode()).isZero();
        assertThat(file().get("healthRefreshCooldownMinutes").asInt()).isEqualTo(Integer.parseInt(minutes));
    }

    @ParameterizedTest
    @CsvSource({"0,it must be from 1 to 1440", "1441,it must be from 1 to 1440", "12abc,expected a whole number",
        "1.5,expected a whole number", "-3,it must be from 1 to 1440", "99999999999,expected a whole number"})
    void cooldownOutOfRangeIsRefused(String minutes, String message) throws Exception {
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("set-cooldown", minutes);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: invalid cooldown").contains(message);
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void autoRefreshAcceptsOnlyTrueOrFalse() throws Exception {
        assertThat(cli.run("set-auto-refresh", "false").exitCode()).isZero();
        assertThat(file().get("autoRefreshHealth").asBoolean()).isFalse();
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("set-auto-refresh", "yes");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: invalid auto-refresh setting 'yes': expected true or false\n");
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        CliRunner.Result r = cli.run("frobnicate");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown command or argument 'frobnicate'");
        CliRunner.Result typo = cli.run("lst-keys");
        assertThat(typo.err()).contains("did you mean list-keys");
        assertThat(typo.err().strip().lines()).hasSize(1);
        assertThat(cli.run("list-keys", "--bogus").exitCode()).isEqualTo(2);
        assertThat(cli.run("add-key").exitCode()).isEqualTo(2);
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheCommand() throws Exception {
        Path other = home.resolve("elsewhere/accounts.json");
        assertThat(cli.run("--config", other.toString(), "add-key", KEY_A).exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_B, "--config", other.toString()).exitCode()).isZero();
        assertThat(JSON.readTree(other.toFile()).get("accounts")).hasSize(2);
        CliRunner.Result json = cli.run("list-keys", "--json", "--config", other.toString());
        assertThat(JSON.readTree(json.out()).get("keys")).hasSize(2);
    }

    @Test
    void configFileFromTheEnvironment() throws Exception {
        Path viaEnv = home.resolve("env/accounts.json");
        cli.variable("KIMI_ROTATOR_CONFIG", viaEnv.toString());
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        assertThat(JSON.readTree(viaEnv.toFile()).get("accounts")).hasSize(1);
    }

    @Test
    void versionAndHelp() {
        CliRunner.Result v = cli.run("--version");
        assertThat(v.exitCode()).isZero();
        assertThat(v.out()).startsWith("kimi-rotator ");
        CliRunner.Result h = cli.run("--help");
        assertThat(h.exitCode()).isZero();
        assertThat(h.out()).contains("add-key").contains("list-keys").contains("clear-limits");
    }

    @Test
    void clearLimitsReEnablesAndUnlimits() throws Exception {
        String json = new String(cli.fileBytes(), StandardCharsets.UTF_8)
                .replaceFirst("\"rateLimitResetTime\": 0", "\"rateLimitResetTime\": 4102444800000")
                .replaceFirst("\"healthScore\": 100,", "\"healthScore\": 100, \"disabled\": true,");
        java.nio.file.Files.writeString(cli.accountsFile(), json);
        JsonNode before = listJson();
        assertThat(before.get("keys").get(0).get("state").asText()).isEqualTo("disabled");
        assertThat(cli.run("clear-limits", "all").exitCode()).isZero();
        JsonNode after = listJson();
        for (JsonNode key : after.get("keys")) {
            assertThat(key.get("state").asText()).isEqualTo("active");
        }
    }

    @Test
    void refreshHealthRecoversEvenWithAutoRefreshOff() throws Exception {
        firstKeyPenalizedNowTo40();
        cli.run("set-auto-refresh", "false");
        cli.advance(Duration.ofMinutes(65));
        assertThat(listJson().get("keys").get(0).get("health").asInt()).isEqualTo(40);
        CliRunner.Result r = cli.run("refresh-health");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("1 key recovered");
        assertThat(file().get("accounts").get(0).get("healthScore").asInt()).isEqualTo(60);
        assertThat(cli.run("refresh-health").out()).contains("0 keys recovered");
    }

    @Test
    void autoRefreshShowsRecoveredHealthInTheList() throws Exception {
        firstKeyPenalizedNowTo40();
        cli.advance(Duration.ofMinutes(31));
        assertThat(listJson().get("keys").get(0).get("health").asInt()).isEqualTo(50);
    }

    /** Key 0 at health 40, last used (the last penalty, for recovery) at the clock's now. */
    private void firstKeyPenalizedNowTo40() throws Exception {
        long lastUsed = cli.clock().millis();
        String json = new String(cli.fileBytes(), StandardCharsets.UTF_8)
                .replaceFirst("\"healthScore\": 100", "\"healthScore\": 40")
                .replaceFirst("\"lastUsed\": \\d+", "\"lastUsed\": " + lastUsed);
        java.nio.file.Files.writeString(cli.accountsFile(), json);
    }

    @Test
    void statsShowsSeedLayoutAndJson() throws Exception {
        CliRunner.Result r = cli.run("stats");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("📊 Usage Statistics").contains("[0] Alpha").contains("Total Requests: 0")
                .contains("Requests Last 7 Days: 0").contains("📈 Aggregate Statistics");
        JsonNode doc = JSON.readTree(cli.run("--json", "stats").out());
        assertThat(doc.get("keys")).hasSize(3);
        assertThat(doc.get("aggregate").get("totalRequests").asLong()).isZero();
    }

    @Test
    void tokenUsageCountedByTheProxyShowsInStatsAndListKeys() throws Exception {
        // as the proxy writes it: ours, per UTC day (the runner's clock says 2026-11-25)
        String json = new String(cli.fileBytes(), StandardCharsets.UTF_8).replaceFirst("\"dailyRequests\": \\{}",
                "\"dailyRequests\": {}, \"dailyTokens\": {\"2026-11-18\": {\"input\": 1, \"output\": 1},"
                + " \"2026-11-24\": {\"input\": 1000, \"output\": 20},"
                + " \"2026-11-25\": {\"input\": 12345, \"output\": 678, \"cacheRead\": 9000, \"cacheCreation\": 12}}");
        java.nio.file.Files.writeString(cli.accountsFile(), json);

        CliRunner.Result text = cli.run("stats");
        assertThat(text.out()).contains("Tokens Today: 12,345 in / 678 out (cache: 9,000 read, 12 written)")
                .contains("Tokens Last 7 Days: 13,345 in / 698 out (cache: 9,000 read, 12 written)")
                .contains("Tokens Today (All Keys): 12,345 in / 678 out");
        JsonNode stats = JSON.readTree(cli.run("--json", "stats").out());
        assertThat(stats.at("/keys/0/tokensToday/input").asLong()).isEqualTo(12345);
        assertThat(stats.at("/keys/0/tokensLast7Days/output").asLong()).isEqualTo(698);
        assertThat(stats.at("/keys/1/tokensToday/input").asLong()).isZero();
        assertThat(stats.at("/aggregate/tokensToday/cacheRead").asLong()).isEqualTo(9000);
        JsonNode list = listJson();
        assertThat(list.at("/keys/0/tokensToday/cacheCreation").asLong()).isEqualTo(12);
        assertThat(list.at("/keys/0/tokensToday").size()).isEqualTo(4);
        // a CLI write keeps the counts (the seed, which drops them, is allowed to)
        assertThat(cli.run("use-key", "1").exitCode()).isZero();
        assertThat(file().at("/accounts/0/dailyTokens/2026-11-25/input").asLong()).isEqualTo(12345);
    }

    @Test
    void colourOnlyOnATerminalAndNeverWithNoColorOrJson() throws Exception {
        assertThat(cli.terminal(true).run("list-keys").out()).contains("\u001b[32m██████████\u001b[0m");
        assertThat(cli.run("--json", "list-keys").out()).doesNotContain("\u001b[");
        assertThat(cli.variable("NO_COLOR", "1").run("list-keys").out()).doesNotContain("\u001b[");
        assertThat(cli.terminal(false).variable("NO_COLOR", "").run("list-keys").out()).doesNotContain("\u001b[");
    }
}
