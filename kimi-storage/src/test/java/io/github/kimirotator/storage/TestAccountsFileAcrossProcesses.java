package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestAccountsFileAcrossProcesses {
    private static final int PROCESSES = 20;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void concurrentProcessesLoseNoUpdate() throws Exception {
        Path file = dir.resolve("kimi-accounts.json");
        Files.writeString(file, TestAccountsJson.seedFixture());
        Path startSignal = dir.resolve("start");
        List<String> keys = IntStream.range(0, PROCESSES)
                .mapToObj(i -> String.format("sk-kimi-PROCESS%025d", i)).toList();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");

        for (int i = 0; i < PROCESSES; i++) {
            processes.add(new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Xmx64m", "-cp", classPath, ConcurrentAddMain.class.getName(), file.toString(), keys.get(i),
                    startSignal.toString())
                    .redirectOutput(dir.resolve("out-" + i + ".txt").toFile())
                    .redirectError(dir.resolve("err-" + i + ".txt").toFile())
                    .start());
        }
        TestAccountsLock.awaitTrue(() -> IntStream.range(0, PROCESSES).allMatch(this::isReady));
        Files.createFile(startSignal);
        for (int i = 0; i < PROCESSES; i++) {
            Process p = processes.get(i);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process %d finished", i).isTrue();
            assertThat(p.exitValue()).as("process %d: %s", i, Files.readString(dir.resolve("err-" + i + ".txt")))
                    .isZero();
        }

        AccountsState state = new AccountsFile(file, Clock.systemUTC()).read();
        assertThat(state.accounts()).extracting(Account::key).hasSize(3 + PROCESSES).containsAll(keys);
        assertThat(state.rotationStrategy()).isEqualTo("round-robin");
        assertThat(state.healthRefreshCooldownMinutes()).isEqualTo(45);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .filteredOn(name -> name.startsWith("kimi-accounts.json") || name.startsWith(".kimi-accounts"))
                    .containsExactlyInAnyOrder("kimi-accounts.json", "kimi-accounts.json.bak");
        }
    }

    private boolean isReady(int i) {
        try {
            return Files.readString(dir.resolve("out-" + i + ".txt")).startsWith("ready");
        } catch (IOException e) {
            return false;
        }
    }
}
