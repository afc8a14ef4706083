package io.github.kimirotator.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestAccountsFile {
    private static final String KEY = "sk-kimi-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD4444";

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.atSystemTime();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private Path seedFile() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Files.writeString(file, TestAccountsJson.seedFixture());
        if (isPosix()) {
            // as the seed leaves it: Node's default mode under the usual umask
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return file;
    }

    private static AccountsState addKey(AccountsState state, String key) {
        List<Account> accounts = new ArrayList<>(state.accounts());
        accounts.add(Account.newKey(key, "Account " + (accounts.size() + 1), 1));
        return state.withAccounts(accounts);
    }

    @Test
    void missingFileReadsAsEmptyAndIsNotCreated() {
        AccountsFile store = new AccountsFile(dir.resolve("kimi-accounts.json"), clock);

        assertThat(store.read()).isEqualTo(AccountsState.empty());
        assertThat(store.path()).doesNotExist();
    }

    @Test
    void updateAddsToTheSeedFileAndKeepsThePreviousVersionAsBackup() throws IOException {
        Path file = seedFile();
        byte[] original = Files.readAllBytes(file);
        AccountsFile store = new AccountsFile(file, clock);

        AccountsState written = store.update(s -> addKey(s, KEY));

        assertThat(store.read()).isEqualTo(written);
        assertThat(written.accounts()).extracting(Account::key).hasSize(4).endsWith(KEY);
        assertThat(written.accounts().subList(0, 3))
                .isEqualTo(AccountsJson.parse(new String(original, StandardCharsets.UTF_8), "seed").accounts());
        assertThat(file.resolveSibling("kimi-accounts.json.bak")).hasBinaryContent(original);
        assertThat(Files.readString(file)).isEqualTo(AccountsJson.format(written));
        assertThat(listing()).containsExactlyInAnyOrder("kimi-accounts.json", "kimi-accounts.json.bak");
    }

    @Test
    void aWriteRemovesTempFilesOfOursLeftByAKilledWriterAndNothingElse() throws IOException {
        Path file = seedFile();
        Path orphan = dir.resolve(".kimi-accounts.json.8158437621912364081.tmp");
        Path fresh = dir.resolve(".kimi-accounts.json.2207561243371189310.tmp");
        Path otherFile = dir.resolve(".other.json.4411.tmp");
        Path notOurNaming = dir.resolve(".kimi-accounts.json.backup.tmp");
        for (Path p : List.of(orphan, fresh, otherFile, notOurNaming)) {
            Files.writeString(p, "{\"accounts\":[{\"key\":\"" + KEY + "\"}]}");
            Files.setLastModifiedTime(p, FileTime.from(clock.instant().minus(Duration.ofMinutes(2))));
        }
        Files.setLastModifiedTime(fresh, FileTime.from(clock.instant().minusSeconds(30)));
        AccountsFile store = new AccountsFile(file, clock);

        store.update(s -> addKey(s, KEY));

        assertThat(orphan).doesNotExist();
        assertThat(fresh).as("a writer may be at work on it").exists();
        assertThat(otherFile).exists();
        assertThat(notOurNaming).exists();
    }

    @Test
    void filesAreOwnerOnlyAndNewDirectoriesToo() throws IOException {
        assumeThat(isPosix()).isTrue();
        Path file = dir.resolve("config/opencode/kimi-accounts.json");
        AccountsFile store = new AccountsFile(file, clock);

        store.update(s -> addKey(s, KEY));
        store.update(s -> s.withCooldownMinutes(45));

        assertThat(permissions(file)).isEqualTo("rw-------");
        assertThat(permissions(file.resolveSibling("kimi-accounts.json.bak"))).isEqualTo("rw-------");
        assertThat(permissions(dir.resolve("config"))).isEqualTo("rwx------");
        assertThat(permissions(dir.resolve("config/opencode"))).isEqualTo("rwx------");
    }

    @Test
    void seedFileReadableByOthersBecomesOwnerOnlyOnWrite() throws IOException {
        assumeThat(isPosix()).isTrue();
        Path file = seedFile();

        new AccountsFile(file, clock).update(s -> s.withCooldownMinutes(60));

        assertThat(permissions(file)).isEqualTo("rw-------");
        assertThat(permissions(file.resolveSibling("kimi-accounts.json.bak"))).isEqualTo("rw-------");
    }

    @Test
    void unchangedStateIsNotWritten() throws IOException {
        Path file = seedFile();
        byte[] original = Files.readAllBytes(file);
        AccountsFile store = new AccountsFile(file, clock);

        AccountsState same = store.update(s -> s);
        AccountsState equal = store.update(s -> s.withActiveIndex(s.activeIndex()));

        assertThat(equal).isEqualTo(same);
        assertThat(file).hasBinaryContent(original);
        assertThat(listing()).containsExactly("kimi-accounts.json");
        if (isPosix()) {
            assertThat(permissions(file)).isEqualTo("rw-r--r--");
        }
    }

    @Test
    void changeThatThrowsWritesNothingAndReleasesTheLock() throws IOException {
        Path file = seedFile();
        byte[] original = Files.readAllBytes(file);
        AccountsFile store = new AccountsFile(file, clock);

        assertThatThrownBy(() -> store.update(s -> {
            throw new KimiException(ErrorCode.DUPLICATE_KEY, "duplicate");
        })).isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DUPLICATE_KEY));

        assertThat(file).hasBinaryContent(original);
        assertThat(listing()).containsExactly("kimi-accounts.json");
        store.update(s -> addKey(s, KEY));
        assertThat(store.read().accounts()).hasSize(4);
    }

    @Test
    void failedMoveLeavesTheOldFileIntactAndNoTempFiles() throws IOException {
        Path file = seedFile();
        byte[] original = Files.readAllBytes(file);
        AtomicFileWriter.Mover failOnTarget = (source, target) -> {
            if (target.equals(file)) {
                throw new IOException("disk on fire");
            }
            AtomicFileWriter.ATOMIC_MOVE.move(source, target);
        };
        AccountsFile store = new AccountsFile(file, new AccountsLock(file, clock), new AtomicFileWriter(failOnTarget));

        assertThatThrownBy(() -> store.update(s -> addKey(s, KEY)))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.IO_ERROR))
                .hasMessage("cannot write " + file + ": disk on fire");

        assertThat(file).hasBinaryContent(original);
        assertThat(listing()).containsExactlyInAnyOrder("kimi-accounts.json", "kimi-accounts.json.bak");
        assertThat(file.resolveSibling("kimi-accounts.json.bak")).hasBinaryContent(original);
    }

    @Test
    void failedFirstWriteLeavesNothingBehind() {
        Path file = dir.resolve("kimi-accounts.json");
        AtomicFileWriter failing = new AtomicFileWriter((source, target) -> {
            throw new IOException("read-only file system");
        });
        AccountsFile store = new AccountsFile(file, new AccountsLock(file, clock), failing);

        assertThatThrownBy(() -> store.update(s -> addKey(s, KEY))).isInstanceOf(KimiException.class);

        assertThat(listing()).isEmpty();
    }

    @Test
    void corruptFileIsReportedWithLineAndColumnAndNeverWrittenOver() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        String broken = "{\n  \"version\": 1,\n  \"accounts\": [\n    {\"key\": \"" + KEY + "\",}\n  ]\n}";
        Files.writeString(file, broken);
        AccountsFile store = new AccountsFile(file, clock);

        assertThatThrownBy(store::read)
                .isInstanceOfSatisfying(KimiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE);
                    assertThat(e.exitCode()).isEqualTo(1);
                })
                .hasMessageStartingWith(file + " is not valid JSON at line 4, column 60: ")
                .message().doesNotContain(".bak").doesNotContain(KEY);
        assertThatThrownBy(() -> store.update(s -> addKey(s, "sk-kimi-EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE5555")))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE));

        assertThat(file).hasContent(broken);
        assertThat(listing()).containsExactly("kimi-accounts.json");
    }

    @Test
    void corruptFileMessagePointsToTheBackupWhenThereIsOne() throws IOException {
        Path file = seedFile();
        AccountsFile store = new AccountsFile(file, clock);
        store.update(s -> addKey(s, KEY));
        Files.writeString(file, "{\"version\": 1, \"accounts\": ");
        Path backup = file.resolveSibling("kimi-accounts.json.bak");
        byte[] backupBytes = Files.readAllBytes(backup);

        assertThatThrownBy(() -> store.update(s -> s.withCooldownMinutes(99)))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE))
                .hasMessageStartingWith(file + " is not valid JSON at line 1, column ")
                .hasMessageEndingWith("; the previous version is in " + backup + " (copy it over to recover)");

        assertThat(file).hasContent("{\"version\": 1, \"accounts\": ");
        assertThat(backup).hasBinaryContent(backupBytes);
    }

    @Test
    void fileOfTheWrongShapeIsCorrupt() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Files.writeString(file, "{\"version\": 1, \"accounts\": {\"key\": \"x\"}}");
        AccountsFile store = new AccountsFile(file, clock);

        assertThatThrownBy(() -> store.update(s -> s.withCooldownMinutes(99)))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE))
                .hasMessage(file + ": accounts must be an array, found an object");
        assertThat(file).hasContent("{\"version\": 1, \"accounts\": {\"key\": \"x\"}}");
    }

    @Test
    void fileThatIsNotUtf8IsCorrupt() throws IOException {
        Path file = dir.resolve("kimi-accounts.json");
        Files.write(file, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'});

        assertThatThrownBy(new AccountsFile(file, clock)::read)
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_FILE))
                .hasMessage(file + " is not valid JSON: it is not UTF-8 text");
    }

    @Test
    void halfWrittenFileIsReadAgainUnderTheLock() throws Exception {
        Path file = seedFile();
        AccountsFile store = new AccountsFile(file, clock);
        Thread reader = Thread.currentThread();
        CompletableFuture<Void> locked = new CompletableFuture<>();
        // the seed truncates and rewrites the file in place while it holds the lock
        Future<?> seed = threads.submit(() -> {
            try (AccountsLock.Hold hold = new AccountsLock(file, clock).acquire()) {
                Files.writeString(hold.file(), "{\n  \"version\": 1,\n  \"acc");
                locked.complete(null);
                TestAccountsLock.awaitTrue(() -> reader.getState() == Thread.State.TIMED_WAITING);
                Files.writeString(hold.file(), TestAccountsJson.seedFixture());
            }
            return null;
        });
        locked.get(20, TimeUnit.SECONDS);

        AccountsState state = store.read();

        assertThat(state.accounts()).hasSize(3);
        seed.get(20, TimeUnit.SECONDS);
    }

    @Test
    void symlinkedFileStaysALinkAndItsTargetIsUpdated() throws IOException {
        Path realDir = Files.createDirectory(dir.resolve("dotfiles"));
        Path real = realDir.resolve("kimi-accounts.json");
        Files.writeString(real, TestAccountsJson.seedFixture());
        Path link = Files.createSymbolicLink(dir.resolve("kimi-accounts.json"), real);

        new AccountsFile(link, clock).update(s -> addKey(s, KEY));

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(new AccountsFile(real, clock).read().accounts()).hasSize(4);
        assertThat(realDir.resolve("kimi-accounts.json.bak")).exists();
    }

    @Test
    void lockHeldElsewhereMakesUpdateFailWithoutWriting() throws IOException {
        Path file = seedFile();
        byte[] original = Files.readAllBytes(file);
        Files.createDirectory(dir.resolve("kimi-accounts.json.lock"));
        AccountsLock shortLock = new AccountsLock(file, clock, Duration.ofMillis(200), AccountsLock.STALE_AFTER,
                AccountsLock.REFRESH_EVERY);
        AccountsFile store = new AccountsFile(file, shortLock, new AtomicFileWriter());

        assertThatThrownBy(() -> store.update(s -> addKey(s, KEY)))
                .isInstanceOfSatisfying(KimiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCK_TIMEOUT));
        assertThat(file).hasBinaryContent(original);
        assertThat(store.read().accounts()).hasSize(3);
    }

    private List<String> listing() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private boolean isPosix() {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
