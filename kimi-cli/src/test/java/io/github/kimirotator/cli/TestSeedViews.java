package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's views where its users look: failures in the list, stats without samples, what refresh and use-key did. */
class TestSeedViews {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void twoKeys() {
        cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A, "Alpha").exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_B, "Beta").exitCode()).isZero();
    }

    /** Changes account {@code index} in the file, as the proxy or the seed would have. */
    void account(int index, Consumer<ObjectNode> change) throws Exception {
        JsonNode root = JSON.readTree(cli.fileBytes());
        change.accept((ObjectNode) root.get("accounts").get(index));
        Files.write(cli.accountsFile(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    @Test
    void listShowsConsecutiveFailuresOfAnEligibleKey() throws Exception {
        account(1, a -> a.put("consecutiveFailures", 2).put("healthScore", 60));
        account(0, a -> a.put("consecutiveFailures", 1).put("healthScore", 80));

        String out = cli.run("list-keys").out();

        assertThat(out).contains("○ [1] Beta\n   Key: sk-kimi-...2222\n   Health: ██████░░░░ 60%\n"
                + "   Requests: 0/0 successful\n   Status: ⚠️  2 consecutive failures\n");
        assertThat(out).contains("   Status: ⚠️  1 consecutive failure\n").doesNotContain("✓ Active");
    }

    @Test
    void statsWithoutSamplesOrRequestsLeavesOutWhatItCannotKnow() {
        String out = cli.run("stats").out();

        assertThat(out).contains("[0] Alpha\n   Total Requests: 0\n   Successful: 0\n   Failed: 0\n"
                + "   Avg Response Time: N/A\n   Requests Today: 0\n");
        assertThat(out).doesNotContain("Success Rate").doesNotContain("Response Time Range")
                .doesNotContain("Overall Avg Response Time").doesNotContain("0ms");
    }

    @Test
    void statsWithSamplesShowsTheRangeAndRates() throws Exception {
        account(0, a -> {
            a.put("totalRequests", 4).put("successfulRequests", 3);
            a.putArray("responseTimes").add(100).add(300).add(200);
        });

        String out = cli.run("stats").out();

        assertThat(out).contains("[0] Alpha\n   Total Requests: 4\n   Successful: 3\n   Failed: 1\n   Success Rate: 75.0%\n"
                + "   Avg Response Time: 200ms\n   Response Time Range: 100ms - 300ms\n");
        assertThat(out).contains("   Overall Success Rate: 75.0%\n   Overall Avg Response Time: 200ms");
        JsonNode json = JSON.readTree(cli.run("--json", "stats").out());
        assertThat(json.get("keys").get(0).get("minResponseMs").asLong()).isEqualTo(100);
        assertThat(json.get("keys").get(0).get("maxResponseMs").asLong()).isEqualTo(300);
        assertThat(json.get("keys").get(1).get("avgResponseMs").isNull()).isTrue();
        // list-keys --json (the status shape) agrees: a key without samples has no average, not 0 ms
        JsonNode list = JSON.readTree(cli.run("--json", "list-keys").out());
        assertThat(list.get("keys").get(0).get("avgResponseMs").asLong()).isEqualTo(200);
        assertThat(list.get("keys").get(0).get("p95ResponseMs").asLong()).isEqualTo(300);
        assertThat(list.get("keys").get(1).get("avgResponseMs").isNull()).isTrue();
        assertThat(list.get("keys").get(1).get("p95ResponseMs").isNull()).isTrue();
    }

    @Test
    void refreshHealthListsEachRecoveredKey() throws Exception {
        long now = cli.clock().millis();
        account(1, a -> a.put("healthScore", 40).put("lastUsed", now));
        cli.advance(Duration.ofMinutes(65));

        CliRunner.Result r = cli.run("refresh-health");

        assertThat(r.out()).isEqualTo("Health refreshed: 1 key recovered:\n  [1] Beta: 40% → 60%\n");
    }

    @Test
    void useKeyOnALimitedOrDisabledKeyWarnsThatTheProxySkipsIt() throws Exception {
        long inTenMinutes = cli.clock().millis() + Duration.ofMinutes(10).toMillis();
        account(1, a -> a.put("rateLimitResetTime", inTenMinutes).put("limitReason", "rate limited"));
        account(0, a -> a.put("disabled", true));

        CliRunner.Result limited = cli.run("use-key", "1");
        assertThat(limited.exitCode()).isZero();
        assertThat(limited.out()).isEqualTo("Active key: [1] Beta (sk-kimi-...2222)\n");
        assertThat(limited.err()).isEqualTo("warning: key [1] Beta is limited (rate limited): the proxy skips it for 10m 0s,"
                + " until 2026-11-25T12:10:00Z, or until 'kimi-rotator clear-limits 1'\n");

        CliRunner.Result disabled = cli.run("use-key", "0");
        assertThat(disabled.err()).isEqualTo("warning: key [0] Alpha is disabled (rejected by the upstream):"
                + " the proxy skips it until 'kimi-rotator clear-limits 0'\n");

        cli.run("clear-limits", "all");
        assertThat(cli.run("use-key", "1").err()).isEmpty();
    }

    @Test
    void removingTheActiveKeySaysWhichIsActiveNow() {
        assertThat(cli.run("use-key", "0").exitCode()).isZero();

        CliRunner.Result r = cli.run("remove-key", "0");

        assertThat(r.out()).isEqualTo("Removed key [0] Alpha (sk-kimi-...1111)\n"
                + "It was the active key; active now: [0] Beta (sk-kimi-...2222)\n");
        assertThat(cli.run("remove-key", "0").out()).contains("That was the last key");
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        assertThat(cli.run("add-key", KEY_B).exitCode()).isZero();
        assertThat(cli.run("remove-key", "1").out()).as("not the active one").isEqualTo("Removed key [1] Account 2 (sk-kimi-...2222)\n");
    }
}
