package io.github.kimirotator.cli;

import static io.github.kimirotator.cli.ProxyFixture.KEY_A;
import static io.github.kimirotator.cli.ProxyFixture.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.cli.commands.WatchCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestWatchCommand {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final Pattern COUNTDOWN = Pattern.compile("limited (\\d+)s \\(rate limited\\)");

    @TempDir
    Path home;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(home).clock(Clock.systemUTC());
    }

    @Test
    void onceShowsEveryKeyWithItsStateCountdownRequestsAndTokens() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture(cli, KEY_A, KEY_B)) {
            proxy.limitNext(KEY_A, 50);
            assertThat(proxy.message()).isEqualTo(200);

            CliRunner.Result r = cli.run("watch", "--once");

            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).doesNotContain("\033").doesNotContain(KEY_A).doesNotContain(KEY_B);
            String lineA = line(r.out(), "sk-kimi-...1111");
            String lineB = line(r.out(), "sk-kimi-...2222");
            assertThat(lineA).startsWith("● 0").contains("Account 1").contains(" 85 ");
            Matcher countdown = COUNTDOWN.matcher(lineA);
            assertThat(countdown.find()).as(lineA).isTrue();
            assertThat(Integer.parseInt(countdown.group(1))).isBetween(20, 50);
            assertThat(lineB).startsWith("○ 1").contains("Account 2").contains("active").contains("1,200 / 34");
            assertThat(r.out()).contains("strategy health-based").contains("This minute: 2 requests, 1 failovers, 1234 tokens");
        }
    }

    @Test
    void withoutATerminalItPrintsPlainSnapshotsUntilCtrlC() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture(cli, KEY_A)) {
            CliRunner.Result r = cli.runUntil(out -> out.split("kimi-rotator watch", -1).length > 2, BOUND, "watch");

            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).doesNotContain("\033");
            assertThat(r.out().split("kimi-rotator watch", -1).length).isGreaterThan(2);
            assertThat(r.out()).contains("● 0   sk-kimi-...1111");
        }
    }

    @Test
    void onATerminalItRedrawsInPlaceAndRestoresTheTerminalOnCtrlC() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture(cli, KEY_A)) {
            cli.terminal(true);
            CliRunner.Result r = cli.runUntil(out -> out.split(Pattern.quote(WatchCommand.HOME_AND_CLEAR), -1).length > 2,
                    BOUND, "watch");

            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).startsWith(WatchCommand.ENTER + WatchCommand.HOME_AND_CLEAR + "kimi-rotator watch")
                    .endsWith(WatchCommand.LEAVE).contains("sk-kimi-...1111");
        }
    }

    @Test
    void withoutARunningProxyItSaysSoAndExits1() throws Exception {
        CliRunner.Result none = cli.run("watch");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).startsWith("error: no proxy is running for ").contains("start one with 'kimi-rotator start' or pass --url");

        ProxyFixture proxy = new ProxyFixture(cli, KEY_A);
        String url = proxy.uri("/").toString();
        proxy.close();
        CliRunner.Result gone = cli.run("watch", "--once", "--url", url);
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).startsWith("error: no proxy answers at http://127.0.0.1:");
    }

    @Test
    void itsHintsNameTheCommandTheUserTyped() throws Exception {
        cli.variable(CliContext.PROGRAM_NAME_VARIABLE, "opencode-kimi");
        ProxyFixture proxy = new ProxyFixture(cli);
        String url = proxy.uri("/").toString();
        CliRunner.Result empty;
        try {
            empty = cli.run("watch", "--once");
        } finally {
            proxy.close();
        }
        assertThat(empty.exitCode()).as(empty.err()).isZero();
        assertThat(empty.out()).contains("No keys yet: add one with 'opencode-kimi add-key'.");
        CliRunner.Result gone = cli.run("watch", "--once", "--url", url);
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).contains("start one with 'opencode-kimi start' or pass --url").doesNotContain("'kimi-rotator");
    }

    @Test
    void aRefusedTokenIsAnErrorNotAnEmptyScreen() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture(cli, KEY_A)) {
            Files.writeString(proxy.ownDir.resolve("token"), "not-the-token\n");
            CliRunner.Result r = cli.run("watch", "--once");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: the proxy at http://127.0.0.1:").contains("refused the local token");
            assertThat(r.out()).isEmpty();
        }
    }

    private static String line(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + containing + " in:\n" + text));
    }
}
