package io.github.kimirotator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command waiting for another process's lock says so once; taking over a stale lock is a warning line. */
class TestLockMessages {
    static final String KEY_A = "sk-kimi-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
    static final String KEY_B = "sk-kimi-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";

    @TempDir
    Path home;

    /** Commands that take the lock and then fail leave no folder behind: the file system is as it was. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"use-key 0,2", "rotate,1", "clear-limits 0,2", "clear-limits all,0"})
    void aCommandOnAFileThatIsNotThereLeavesNoFolder(String command, int exit) throws Exception {
        CliRunner cli = new CliRunner(home);
        java.nio.file.Path folder = cli.accountsFile().getParent();
        CliRunner.Result r = cli.run(command.split(" "));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(exit);
        assertThat(folder).as("made only to hold the lock").doesNotExist();
        assertThat(home.resolve(".config")).doesNotExist();

        // a folder that was there before stays
        java.nio.file.Files.createDirectories(folder);
        assertThat(cli.run(command.split(" ")).exitCode()).isEqualTo(exit);
        assertThat(folder).isEmptyDirectory();
    }

    @Test
    void aWaitOfMoreThanASecondIsAnnouncedOnce() throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        // Another process holds the lock; its time is ahead of the command's clock, so it is never stale.
        Path lock = Files.createDirectory(home.resolve(".config/opencode/kimi-accounts.json.lock"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        CompletableFuture<CliRunner.Result> running = CompletableFuture.supplyAsync(
                () -> new CliRunner(home).liveErr(err).run("add-key", KEY_B));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!err.toString(StandardCharsets.UTF_8).contains("waiting") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(running).as("still waiting for the lock").isNotDone();
        Files.delete(lock);
        CliRunner.Result r = running.get(15, TimeUnit.SECONDS);

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).matches("waiting for the lock on \\S*kimi-accounts\\.json \\(held since \\S+Z by another"
                + " kimi-rotator or opencode process\\)\n");
    }

    @Test
    void takingOverAStaleLockIsAWarningLine() throws Exception {
        CliRunner cli = new CliRunner(home);
        assertThat(cli.run("add-key", KEY_A).exitCode()).isZero();
        Path lock = Files.createDirectory(home.resolve(".config/opencode/kimi-accounts.json.lock"));
        Files.setLastModifiedTime(lock, FileTime.from(cli.clock().instant().minus(Duration.ofSeconds(11))));

        CliRunner.Result r = cli.run("add-key", KEY_B);

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEqualTo("warning: took over the stale lock " + lock.getParent().toRealPath().resolve(lock.getFileName())
                + " (its holder stopped refreshing it at 2026-11-25T11:59:49Z)\n");
        assertThat(lock).doesNotExist();
    }
}
