package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestServeAndConfigCommands {
    private static final String KEY = "sk-kimi-QAQAQAQAQAQAQAQAQAQAQAQA1234";
    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(home);
    }

    @ParameterizedTest
    @CsvSource({"--port,65536,invalid port 65536: it must be from 0 to 65535",
        "--port,80x,invalid port '80x'",
        "--max-wait,-1,invalid max wait -1",
        "--failover-timeout,0,invalid failover timeout 0: it must be from 1 to 86400",
        "--attempt-timeout,abc,invalid attempt timeout 'abc'",
        "--idle-timeout,0,invalid idle timeout 0",
        "--max-body-mib,0,invalid max body size in MiB 0: it must be from 1 to 2047",
        "--max-body-mib,2048,invalid max body size in MiB 2048",
        "--max-buffered-mib,0,invalid memory for request bodies in MiB 0: it must be from 1 to 1048576",
        "--max-in-flight-per-key,-2,invalid max in-flight per key -2",
        "--upstream,ftp://example,invalid upstream 'ftp://example'"})
    void badServeOptionsAreRefusedBeforeAnythingStarts(String option, String value, String message) {
        CliRunner.Result r = cli.run("serve", option, value);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: " + message);
        assertThat(home.resolve(".config/opencode/kimi-rotator/serve.json")).doesNotExist();
    }

    @Test
    void aPortInUseIsNamedWithItsFixInOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CliRunner.Result r = cli.run("serve", "--port", Integer.toString(port));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("error: cannot listen on 127.0.0.1:" + port + ": the address is in use"
                    + " (another program or proxy has it; pick another with --port, or 0 for a free one)\n");
        }
        assertThat(home.resolve(".config/opencode/kimi-rotator/serve.json")).doesNotExist();
    }

    @Test
    void anAddressThatIsNotThisMachinesIsNamedWithItsFix() {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a machine, so binding it fails without any traffic.
        CliRunner.Result r = cli.run("serve", "--host", "192.0.2.1", "--port", "0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: cannot listen on 192.0.2.1:0: the address is not one of this machine's"
                + " (pick another with --host, e.g. 127.0.0.1)\n");
        assertThat(home.resolve(".config/opencode/kimi-rotator/serve.json")).doesNotExist();
    }

    @Test
    void nonLoopbackWithoutAuthIsRefused() {
        CliRunner.Result r = cli.run("serve", "--host", "0.0.0.0", "--no-auth", "--port", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("without auth");
    }

    @Test
    void configWithoutARunningProxyExplainsWhatToDo() {
        CliRunner.Result r = cli.run("config", "claude-code");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: no proxy is running for ").contains("start one with 'kimi-rotator start' or pass --url");
    }

    @Test
    void statusWatchAndConfigSayTheSameWhenNoProxyRunsAndLeaveNoFolderBehind() {
        Path accounts = home.resolve("nowhere/yet/kimi-accounts.json");
        String none = "error: no proxy is running for " + accounts + "; start one with 'kimi-rotator --config " + accounts + " start'";
        for (String[] command : new String[][] {{"status"}, {"stop"}, {"watch", "--once"}, {"config", "opencode"}}) {
            CliRunner.Result r = cli.run(concat("--config", accounts.toString(), command));
            if (command[0].equals("stop")) {
                assertThat(r.exitCode()).isZero();
                assertThat(r.out()).isEqualTo("No proxy is running for " + accounts + "\n");
            } else {
                assertThat(r.exitCode()).as(String.join(" ", command)).isEqualTo(1);
                assertThat(r.err()).isEqualTo(none + (command[0].equals("status") ? "" : " or pass --url") + "\n");
            }
            assertThat(home.resolve("nowhere")).as(String.join(" ", command) + " changes nothing on disk").doesNotExist();
        }
    }

    @Test
    void hintsNameTheAccountsFileGivenWithConfigSoTheHintedCommandActsOnIt() throws Exception {
        Path accounts = home.resolve("my keys/a.json");
        CliRunner.Result added = cli.run("--config", accounts.toString(), "add-key", KEY, "Spare");
        assertThat(added.exitCode()).as(added.err()).isZero();
        String quoted = "\"" + accounts + "\"";

        CliRunner.Result status = cli.run("--config", accounts.toString(), "status");
        assertThat(status.err()).isEqualTo("error: no proxy is running for " + accounts
                + "; start one with 'kimi-rotator --config " + quoted + " start'\n");
        CliRunner.Result removed = cli.run("--config", accounts.toString(), "remove-key", "0");
        assertThat(removed.out()).contains("That was the last key; add one with: kimi-rotator --config " + quoted + " add-key sk-kimi-...");

        // Without --config (the default file, or $KIMI_ROTATOR_CONFIG, which the next command sees too) hints stay short.
        CliRunner.Result plain = cli.run("status");
        assertThat(plain.err()).endsWith("; start one with 'kimi-rotator start'\n");
        assertThat(CliContext.shellWord("/home/me/.config/opencode/kimi-accounts.json"))
                .isEqualTo("/home/me/.config/opencode/kimi-accounts.json");
        assertThat(CliContext.shellWord("/a $b/\"c\"`d`\\e")).isEqualTo("\"/a \\$b/\\\"c\\\"\\`d\\`\\\\e\"");
    }

    private static String[] concat(String a, String b, String[] rest) {
        String[] all = new String[rest.length + 2];
        all[0] = a;
        all[1] = b;
        System.arraycopy(rest, 0, all, 2, rest.length);
        return all;
    }

    @Test
    void aDamagedServeFileLeftByAProxyThatIsGoneCountsAsNoProxy() throws Exception {
        Path serveJson = Files.createDirectories(home.resolve(".config/opencode/kimi-rotator")).resolve("serve.json");
        Files.writeString(serveJson, "{\"url\": \"http://127.0.0.1:8787\", \"pi");

        CliRunner.Result r = cli.run("config", "claude-code");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: no proxy is running for ").contains("start one with 'kimi-rotator start' or pass --url");
    }

    @Test
    void configPrintsClientSettingsForAGivenUrl() throws Exception {
        Path token = Files.createDirectories(home.resolve(".config/opencode/kimi-rotator")).resolve("token");
        Files.writeString(token, "abc123token\n");
        CliRunner.Result claude = cli.run("config", "claude-code", "--url", "http://127.0.0.1:9999/");
        assertThat(claude.exitCode()).isZero();
        assertThat(claude.out()).contains("export ANTHROPIC_BASE_URL=http://127.0.0.1:9999\n")
                .contains("export ANTHROPIC_API_KEY=abc123token\n").contains("export ANTHROPIC_MODEL=kimi-for-coding");
        CliRunner.Result opencode = cli.run("config", "opencode", "--url", "http://127.0.0.1:9999");
        assertThat(opencode.out()).contains("\"baseURL\" : \"http://127.0.0.1:9999/v1\"").contains("\"apiKey\" : \"abc123token\"")
                .contains("\"small_model\" : \"anthropic/kimi-for-coding\"");
        CliRunner.Result unknown = cli.run("config", "vim", "--url", "http://127.0.0.1:9999");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown client 'vim'; valid: opencode, claude-code");
    }

    @Test
    void aStateUrlThatIsNotRedisIsBadUsage() {
        CliRunner.Result r = cli.run("--state", "http://user:hunter2@127.0.0.1:6379", "list-keys");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: invalid --state 'http://***@127.0.0.1:6379': expected redis://")
                .doesNotContain("hunter2");
        CliRunner.Result env = cli.variable("KIMI_ROTATOR_STATE", "mysql://127.0.0.1").run("list-keys");
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.err()).startsWith("error: invalid KIMI_ROTATOR_STATE 'mysql://127.0.0.1'");
    }

    @Test
    void anUnreachableSharedStateFailsTheCommandAndChangesNothing() throws Exception {
        assertThat(cli.run("add-key", "sk-kimi-UNREACHABLEUNREACHABLE1", "One").exitCode()).isZero();
        byte[] before = cli.fileBytes();
        String nobody;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = "redis://127.0.0.1:" + s.getLocalPort();
        }
        CliRunner.Result list = cli.run("--state", nobody, "list-keys");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).startsWith("error: shared state on redis 127.0.0.1:").contains("unreachable");
        CliRunner.Result clear = cli.run("clear-limits", "all", "--state", nobody);
        assertThat(clear.exitCode()).isEqualTo(1);
        assertThat(cli.fileBytes()).isEqualTo(before);
    }
}
