package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestStrategyCommands {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void keys() {
        cli = new CliRunner(home);
        for (int i = 0; i < 3; i++) {
            assertThat(cli.run("add-key", String.format("sk-kimi-strategy%012d", i), "K" + i).exitCode()).isZero();
        }
    }

    JsonNode file() throws Exception {
        return JSON.readTree(cli.fileBytes());
    }

    @Test
    void strategiesListsTheBuiltIns() throws Exception {
        CliRunner.Result r = cli.run("strategies");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("● health-based").contains("○ round-robin").contains("○ sticky")
                .contains("○ session-affinity").contains("source: built-in");
        JsonNode doc = JSON.readTree(cli.run("--json", "strategies").out());
        assertThat(doc.get("strategies").findValuesAsText("name"))
                .contains("health-based", "round-robin", "sticky", "session-affinity");
    }

    @Test
    void seedStrategyGoesIntoTheSeedField() throws Exception {
        assertThat(cli.run("set-strategy", "sticky").exitCode()).isZero();
        assertThat(file().get("rotationStrategy").asText()).isEqualTo("sticky");
        assertThat(file().has("strategy")).isFalse();
    }

    @Test
    void otherStrategyKeepsTheFileReadableByTheSeed() throws Exception {
        cli.run("set-strategy", "round-robin");
        assertThat(cli.run("set-strategy", "session-affinity").exitCode()).isZero();
        JsonNode f = file();
        assertThat(f.get("rotationStrategy").asText()).isEqualTo("round-robin");
        assertThat(f.get("strategy").asText()).isEqualTo("session-affinity");
        assertThat(cli.run("list-keys").out()).contains("strategy: session-affinity");
        assertThat(cli.run("set-strategy", "sticky").exitCode()).isZero();
        assertThat(file().get("rotationStrategy").asText()).isEqualTo("sticky");
        assertThat(file().has("strategy")).isFalse();
    }

    @Test
    void unknownStrategyListsTheValidOnes() throws Exception {
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("set-strategy", "fastest");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown strategy 'fastest'; valid: ")
                .contains("health-based").contains("round-robin").contains("session-affinity").contains("sticky");
        assertThat(cli.fileBytes()).isEqualTo(before);
    }

    @Test
    void aStrategyNoLongerInstalledIsOneWarningAndListKeysSaysWhatIsUsedInstead() throws Exception {
        // As a removed plugin jar leaves it: the file names a strategy nothing provides any more.
        com.fasterxml.jackson.databind.node.ObjectNode f = (com.fasterxml.jackson.databind.node.ObjectNode) file();
        f.put("strategy", "least-used");
        Files.writeString(cli.accountsFile(), JSON.writeValueAsString(f));
        String warning = "warning: strategy 'least-used' is not installed (no plugin provides it); using health-based\n";

        CliRunner.Result rotate = cli.run("rotate");
        assertThat(rotate.exitCode()).isZero();
        assertThat(rotate.out()).startsWith("Rotated to key ");
        assertThat(rotate.err()).isEqualTo(warning);

        CliRunner.Result list = cli.run("list-keys");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("strategy: least-used (not installed; using health-based)");
        assertThat(list.err()).isEqualTo(warning);
        CliRunner.Result json = cli.run("--json", "list-keys");
        assertThat(JSON.readTree(json.out()).get("keys")).hasSize(3);
        assertThat(json.err()).isEqualTo(warning);
    }

    @Test
    void rotateAlwaysMovesToAnotherEligibleKey() throws Exception {
        for (String strategy : new String[] {"health-based", "round-robin", "sticky", "session-affinity"}) {
            cli.run("set-strategy", strategy);
            for (int i = 0; i < 5; i++) {
                int before = file().get("activeIndex").asInt();
                CliRunner.Result r = cli.run("rotate");
                assertThat(r.exitCode()).as(strategy + ": " + r.err()).isZero();
                int after = file().get("activeIndex").asInt();
                assertThat(after).as(strategy).isNotEqualTo(before);
                assertThat(r.out()).contains("Rotated to key [" + after + "]");
            }
        }
    }

    @Test
    void rotateSkipsLimitedKeysAndFailsWhenNoOtherKeyCanServe() throws Exception {
        long future = cli.clock().millis() + 3_600_000;
        String json = new String(cli.fileBytes(), StandardCharsets.UTF_8);
        String zero = "\"rateLimitResetTime\": 0";
        int second = json.indexOf(zero, json.indexOf("\"K1\""));
        json = json.substring(0, second) + "\"rateLimitResetTime\": " + future + json.substring(second + zero.length());
        Files.writeString(cli.accountsFile(), json);
        assertThat(cli.run("rotate").exitCode()).isZero();
        assertThat(file().get("activeIndex").asInt()).isEqualTo(2);
        assertThat(cli.run("rotate").exitCode()).isZero();
        assertThat(file().get("activeIndex").asInt()).isEqualTo(0);

        cli.run("remove-key", "2");
        byte[] before = cli.fileBytes();
        CliRunner.Result r = cli.run("rotate");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: no other key can be used now");
        assertThat(cli.fileBytes()).isEqualTo(before);
    }
}
