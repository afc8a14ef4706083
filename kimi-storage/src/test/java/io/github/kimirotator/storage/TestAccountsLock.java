package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestAccountsLock {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.atSystemTime();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private AccountsLock lock(Path file, Duration timeout) {
        return new AccountsLock(file, clock, timeout, AccountsLock.STALE_AFTER, AccountsLock.REFRESH_EVERY);
    }

    @Test
    void lockDirectoryIsTheFileNamePlusLockAndExistsOnlyWhileHeld() {
        Path file = dir.resolve("kimi-accounts.json");
        AccountsLock lock = lock(file, Duration.ofSeconds(5));
        Path lockDir = dir.resolve("kimi-accounts.json.lock");

        assertThat(lock.lockDir()).isEqualTo(lockDir);
        try (AccountsLock.Hold hold = lock.acquire()) {
            assertThat(lockDir).isDirectory();
            assertThat(hold.file()).isEqualTo(file);
        }
        assertThat(lockDir).doesNotExist();
    }

    @Test
    void staleLockOfADeadHolderIsTakenOver() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Path lockDir = Files.createDirectory(dir.resolve("kimi-accounts.json.lock"));
        Files.setLastModifiedTime(lockDir, FileTime.from(clock.instant().minusSeconds(11)));

        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            assertThat(Files.getLastModifiedTime(lockDir).toInstant()).isEqualTo(clock.instant());
            hold.ensureHeld();
        }
        assertThat(lockDir).doesNotExist();
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void lockBecomesStaleWhenTheClockMovesPastTenSeconds() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Files.createDirectory(dir.resolve("kimi-accounts.json.lock"));
        clock.advance(Duration.ofSeconds(11));

        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            hold.ensureHeld();
        }
    }

    @Test
    void freshLockIsWaitedForThenTimesOut() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Path lockDir = Files.createDirectory(dir.resolve("kimi-accounts.json.lock"));
        FileTime before = Files.getLastModifiedTime(lockDir);
        clock.advance(Duration.ofSeconds(9));

        assertThatThrownBy(() -> lock(file, Duration.ofMillis(300)).acquire())
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT);
                    assertThat(e.exitCode()).isEqualTo(1);
                })
                .hasMessageStartingWith("cannot lock " + lockDir + ": held by another process for 300 ms");
        assertThat(lockDir).isDirectory();
        assertThat(Files.getLastModifiedTime(lockDir)).isEqualTo(before);
    }

    @Test
    void heldLockIsAcquiredOnceItsHolderReleasesIt() throws Exception {
        Path file = dir.resolve("kimi-accounts.json");
        Path lockDir = Files.createDirectory(dir.resolve("kimi-accounts.json.lock"));
        AtomicReference<Thread> waiter = new AtomicReference<>();

        Future<Boolean> acquired = threads.submit(() -> {
            waiter.set(Thread.currentThread());
            try (AccountsLock.Hold hold = lock(file, BOUND).acquire()) {
                hold.ensureHeld();
                return Files.isDirectory(lockDir);
            }
        });
        awaitTrue(() -> waiter.get() != null && waiter.get().getState() == Thread.State.TIMED_WAITING);
        assertThat(acquired).isNotDone();
        Files.delete(lockDir);

        assertThat(acquired.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(lockDir).doesNotExist();
    }

    @Test
    void holderRefreshesTheLockTimeWhileHeld() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        AccountsLock lock = new AccountsLock(file, clock, BOUND, AccountsLock.STALE_AFTER, Duration.ofMillis(50));

        try (AccountsLock.Hold hold = lock.acquire()) {
            clock.advance(Duration.ofHours(1));
            Instant expected = clock.instant();

            awaitTrue(() -> mtime(lock.lockDir()).toInstant().equals(expected));
            hold.ensureHeld();
        }
        assertThat(lock.lockDir()).doesNotExist();
    }

    @Test
    void lockTakenOverByAnotherProcessIsNeitherWrittenUnderNorRemoved() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        AccountsLock lock = lock(file, Duration.ofSeconds(5));

        AccountsLock.Hold hold = lock.acquire();
        Files.delete(lock.lockDir());
        Files.createDirectory(lock.lockDir());
        Files.setLastModifiedTime(lock.lockDir(), FileTime.from(clock.instant().plusSeconds(3)));

        assertThatThrownBy(hold::ensureHeld)
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT))
                .hasMessageStartingWith("lost the lock " + lock.lockDir());
        hold.close();
        assertThat(lock.lockDir()).isDirectory();
    }

    @Test
    void reentrantInOneThreadAndReleasedByTheOutermostHold() {
        AccountsLock lock = lock(dir.resolve("kimi-accounts.json"), Duration.ofSeconds(5));

        try (AccountsLock.Hold outer = lock.acquire()) {
            try (AccountsLock.Hold inner = lock.acquire()) {
                inner.ensureHeld();
            }
            assertThat(lock.lockDir()).isDirectory();
            outer.ensureHeld();
        }
        assertThat(lock.lockDir()).doesNotExist();
    }

    @Test
    void threadsOfOneProcessTakeTurns() throws Exception {
        Path file = dir.resolve("kimi-accounts.json");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        int[] unsafeCounter = {0};
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            workers.add(threads.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    // a new instance each time, as separate components of one process would have
                    try (AccountsLock.Hold hold = lock(file, BOUND).acquire()) {
                        hold.ensureHeld();
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        unsafeCounter[0]++;
                        inside.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(60, TimeUnit.SECONDS);
        }

        assertThat(mostInside).hasValue(1);
        assertThat(unsafeCounter[0]).isEqualTo(200);
        assertThat(dir.resolve("kimi-accounts.json.lock")).doesNotExist();
    }

    @Test
    void anotherThreadHoldingTooLongTimesOut() throws Exception {
        Path file = dir.resolve("kimi-accounts.json");
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Void> held = new CompletableFuture<>();
        Future<?> holder = threads.submit(() -> {
            try (AccountsLock.Hold hold = lock(file, BOUND).acquire()) {
                hold.ensureHeld();
                held.complete(null);
                release.join();
            }
            return null;
        });
        held.get(BOUND.toSeconds(), TimeUnit.SECONDS);

        assertThatThrownBy(() -> lock(file, Duration.ofMillis(200)).acquire())
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT))
                .hasMessageContaining("held by another thread of this process");
        release.complete(null);
        holder.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void missingConfigDirectoryIsCreatedOwnerOnly() throws IOException {
        Path file = dir.resolve("new").resolve("kimi-accounts.json");

        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            hold.ensureHeld();
            assertThat(dir.resolve("new/kimi-accounts.json.lock")).isDirectory();
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new"))))
                        .isEqualTo("rwx------");
            }
            Files.writeString(file, "{}");
        }
        assertThat(dir.resolve("new")).as("holds the file written under the lock").isDirectory();
    }

    @Test
    void foldersMadeForTheLockGoAgainWhenNothingWasWritten() throws IOException {
        Path file = dir.resolve("a/b").resolve("kimi-accounts.json");
        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            assertThat(dir.resolve("a/b/kimi-accounts.json.lock")).isDirectory();
        }
        assertThat(dir.resolve("a")).as("a failed command leaves the file system as it was").doesNotExist();

        Files.createDirectories(dir.resolve("a/b"));
        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            hold.ensureHeld();
        }
        assertThat(dir.resolve("a/b")).as("not made by the lock: stays").isEmptyDirectory();
        Files.delete(dir.resolve("a/b"));
        try (AccountsLock.Hold hold = lock(file, Duration.ofSeconds(5)).acquire()) {
            Files.writeString(dir.resolve("a/other-program.txt"), "x");
        }
        assertThat(dir.resolve("a/b")).as("made by the lock, empty: goes").doesNotExist();
        assertThat(dir.resolve("a/other-program.txt")).as("what another program put there stays").exists();
    }

    @Test
    void symlinkedFileIsLockedWhereItReallyIsAsTheSeedDoes() throws IOException {
        Path real = Files.createDirectory(dir.resolve("real")).resolve("kimi-accounts.json");
        Files.writeString(real, "{}");
        Path link = Files.createSymbolicLink(dir.resolve("kimi-accounts.json"), real);

        AccountsLock lock = lock(link, Duration.ofSeconds(5));

        assertThat(lock.lockDir()).isEqualTo(real.toRealPath().resolveSibling("kimi-accounts.json.lock"));
    }

    private static FileTime mtime(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within %s", BOUND).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
