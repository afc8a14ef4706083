package io.github.kimirotator.storage;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock around every read-modify-write of one accounts file: a {@link ReentrantLock} per file between the
 * threads of this JVM, and the seed's protocol between processes: the directory {@code <file>.lock}, made
 * with an atomic mkdir, whose holder refreshes its modification time every 2 s. A lock not refreshed for
 * 10 s is stale (its holder died) and is taken over; the seed itself takes over after 5 s, which is safe
 * because we refresh more often than that. Staleness compares the directory's time with the injected
 * {@link Clock}, and the refresh writes the clock's time, so tests can age a lock without sleeping.
 */
public final class AccountsLock {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
    static final Duration STALE_AFTER = Duration.ofSeconds(10);
    static final Duration REFRESH_EVERY = Duration.ofSeconds(2);
    /** How long a wait for another process goes on before the {@link LockWatcher} hears of it. */
    public static final Duration NOTICE_AFTER = Duration.ofSeconds(1);
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final ConcurrentMap<Path, FileState> FILES = new ConcurrentHashMap<>();

    private final Path accountsFile;
    private final Clock clock;
    private final Duration timeout;
    private final Duration staleAfter;
    private final Duration refreshEvery;
    private final LockWatcher watcher;

    public AccountsLock(Path accountsFile, Clock clock) {
        this(accountsFile, clock, LockWatcher.LOG);
    }

    public AccountsLock(Path accountsFile, Clock clock, LockWatcher watcher) {
        this(accountsFile, clock, DEFAULT_TIMEOUT, STALE_AFTER, REFRESH_EVERY, watcher);
    }

    AccountsLock(Path accountsFile, Clock clock, Duration timeout, Duration staleAfter, Duration refreshEvery) {
        this(accountsFile, clock, timeout, staleAfter, refreshEvery, LockWatcher.LOG);
    }

    AccountsLock(Path accountsFile, Clock clock, Duration timeout, Duration staleAfter, Duration refreshEvery,
            LockWatcher watcher) {
        this.accountsFile = Objects.requireNonNull(accountsFile, "accountsFile");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = timeout;
        this.staleAfter = staleAfter;
        this.refreshEvery = refreshEvery;
        this.watcher = Objects.requireNonNull(watcher, "watcher");
    }

    /** The lock directory of the accounts file, symbolic links resolved as the seed resolves them. */
    public Path lockDir() {
        return lockDirOf(SecureFiles.canonical(accountsFile));
    }

    private static Path lockDirOf(Path canonicalFile) {
        return canonicalFile.resolveSibling(canonicalFile.getFileName() + ".lock");
    }

    /**
     * Waits for both locks, at most the timeout (15 s) in all. Re-entrant within one thread.
     *
     * @throws KimiException {@link ErrorCode#LOCK_TIMEOUT} naming the lock directory when it stays held,
     *     {@link ErrorCode#IO_ERROR} when it cannot be created
     */
    public Hold acquire() {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path file = SecureFiles.canonical(accountsFile);
        FileState state = FILES.computeIfAbsent(file, FileState::new);
        try {
            if (!state.threads.tryLock(remaining(deadline), TimeUnit.NANOSECONDS)) {
                throw timedOut(lockDirOf(file), "another thread of this process");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KimiException(ErrorCode.LOCK_TIMEOUT, "interrupted while waiting to lock " + lockDirOf(file), e);
        }
        if (state.threads.getHoldCount() == 1) {
            try {
                takeDirectory(state, deadline);
            } catch (RuntimeException e) {
                state.threads.unlock();
                throw e;
            }
        }
        return new Hold(state);
    }

    private void takeDirectory(FileState state, long deadline) {
        long pause = TimeUnit.MILLISECONDS.toNanos(2);
        long noticeAt = System.nanoTime() + NOTICE_AFTER.toNanos();
        boolean noticed = false;
        while (!tryCreate(state.lockDir, state.createdFolders)) {
            if (takeOverIfStale(state.lockDir)) {
                continue;
            }
            long left = remaining(deadline);
            if (left == 0) {
                throw timedOut(state.lockDir, "another process");
            }
            if (!noticed && System.nanoTime() - noticeAt >= 0) {
                noticed = true;
                heldSince(state.lockDir).ifPresent(since -> watcher.waiting(state.file, since));
            }
            sleep(Math.min(left, pause + ThreadLocalRandom.current().nextLong(pause)));
            pause = Math.min(pause * 2, MAX_POLL_NANOS);
        }
        state.acquired(clock, refreshEvery);
    }

    /**
     * The atomic mkdir of the protocol; {@code false} when the lock directory already exists. The folders it had
     * to make for it are added to {@code created}.
     */
    private static boolean tryCreate(Path lockDir, List<Path> created) {
        try {
            Files.createDirectory(lockDir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (NoSuchFileException e) {
            try {
                SecureFiles.createDirectories(lockDir.getParent(), created);
            } catch (IOException cause) {
                throw cannotLock(lockDir, cause);
            }
            return tryCreate(lockDir, created);
        } catch (IOException e) {
            throw cannotLock(lockDir, e);
        }
    }

    /**
     * Removes the lock at {@code dir} if it is stale. Two waiters can see the same stale lock, and the first
     * may already have made a fresh one when the second acts: so the lock is first renamed away atomically,
     * and only deleted if what was renamed is still the stale directory; a fresh one is put back.
     *
     * @return whether mkdir should be tried again at once
     */
    private boolean takeOverIfStale(Path dir) {
        BasicFileAttributes seen;
        try {
            seen = Files.readAttributes(dir, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
        if (!isStale(seen.lastModifiedTime())) {
            return false;
        }
        Path aside = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID() + ".stale");
        try {
            Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
        try {
            BasicFileAttributes moved = Files.readAttributes(aside, BasicFileAttributes.class);
            boolean sameDir = seen.fileKey() == null || seen.fileKey().equals(moved.fileKey());
            if (!sameDir || !isStale(moved.lastModifiedTime())) {
                putBack(aside, dir, moved.lastModifiedTime());
                return false;
            }
            Files.delete(aside);
            watcher.tookOver(dir, seen.lastModifiedTime().toInstant());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Recreates a live lock that was renamed away by mistake, with its time, unless a new one exists. */
    private static void putBack(Path aside, Path dir, FileTime time) throws IOException {
        try {
            Files.createDirectory(dir);
            Files.setLastModifiedTime(dir, time);
        } catch (FileAlreadyExistsException e) {
            // Someone locked in the meantime; the holder we displaced will find its lock lost.
        }
        Files.delete(aside);
    }

    /** When the lock at {@code dir} was made (its birth time) where the file system keeps it, else its last refresh. */
    private static java.util.Optional<java.time.Instant> heldSince(Path dir) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(dir, BasicFileAttributes.class);
            FileTime made = attributes.creationTime();
            FileTime refreshed = attributes.lastModifiedTime();
            return java.util.Optional.of((made != null && made.compareTo(refreshed) <= 0 ? made : refreshed).toInstant());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private boolean isStale(FileTime mtime) {
        return clock.millis() - mtime.toMillis() > staleAfter.toMillis();
    }

    private static KimiException cannotLock(Path lockDir, IOException e) {
        return new KimiException(ErrorCode.IO_ERROR, "cannot lock " + lockDir + ": " + IoErrors.describe(e), e);
    }

    private KimiException timedOut(Path lockDir, String holder) {
        return new KimiException(ErrorCode.LOCK_TIMEOUT, "cannot lock " + lockDir + ": held by " + holder
                + " for " + seconds(timeout) + " (a lock not refreshed for " + seconds(staleAfter)
                + " is taken over; if no kimi-rotator or opencode is running, delete that directory)");
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KimiException(ErrorCode.LOCK_TIMEOUT, "interrupted while waiting for a lock", e);
        }
    }

    /**
     * The logger, made on the first warning: a command that only reads the file never sets up logging (the
     * SLF4J provider lookup costs start-up time).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(AccountsLock.class);
    }

    /** The thread that refreshes held locks, started when a first lock is taken (reads take none). */
    private static final class Refresher {
        static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "kimi-accounts-lock-refresh");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Both locks held by the current thread; {@link #close()} releases them. */
    public static final class Hold implements AutoCloseable {
        private final FileState state;
        private boolean closed;

        private Hold(FileState state) {
            this.state = state;
        }

        /** The locked file, symbolic links resolved: the file to read and write. */
        Path file() {
            return state.file;
        }

        /**
         * Checks, just before a write, that the lock directory is still ours: a holder that stalled for longer
         * than the stale time may have lost it to another process.
         *
         * @throws KimiException {@link ErrorCode#LOCK_TIMEOUT} when it is not
         */
        public void ensureHeld() {
            if (!state.stillOurs()) {
                throw new KimiException(ErrorCode.LOCK_TIMEOUT, "lost the lock " + state.lockDir
                        + ": another process took it over while this one stalled; nothing was written");
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (state.threads.getHoldCount() == 1) {
                    state.release();
                }
            } finally {
                state.threads.unlock();
            }
        }
    }

    /** The locks of one canonical accounts file; the fields below {@code threads} are guarded by {@code this}. */
    private static final class FileState {
        final Path file;
        final Path lockDir;
        final ReentrantLock threads = new ReentrantLock(true);
        /** Folders made to hold the lock directory (outermost first); guarded by {@code threads}. */
        final List<Path> createdFolders = new ArrayList<>();
        private FileTime lastSet;
        private boolean lost;
        private ScheduledFuture<?> refresh;

        FileState(Path file) {
            this.file = file;
            this.lockDir = lockDirOf(file);
        }

        /** Starts refreshing a lock directory just made; removes it again if even that fails. */
        synchronized void acquired(Clock clock, Duration every) {
            lost = false;
            try {
                touch(clock);
            } catch (KimiException e) {
                try {
                    Files.deleteIfExists(lockDir);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            long period = every.toNanos();
            refresh = Refresher.EXECUTOR.scheduleAtFixedRate(() -> refresh(clock), period, period, TimeUnit.NANOSECONDS);
        }

        private synchronized void refresh(Clock clock) {
            if (refresh == null || lost) {
                return;
            }
            if (!stillOurs()) {
                lost = true;
                Log.LOG.warn("lost the lock {} to another process", lockDir);
                return;
            }
            try {
                touch(clock);
            } catch (KimiException e) {
                // Unrefreshed, the lock will look stale to others: stop trusting it rather than write unprotected.
                lost = true;
                Log.LOG.warn("could not refresh the lock {}", lockDir, e);
            }
        }

        private void touch(Clock clock) {
            try {
                Files.setLastModifiedTime(lockDir, FileTime.from(clock.instant()));
                // Read back: the file system may round the time, and ownership is checked by equality.
                lastSet = Files.getLastModifiedTime(lockDir);
            } catch (IOException e) {
                throw new KimiException(ErrorCode.IO_ERROR, "cannot refresh the lock " + lockDir + ": "
                        + IoErrors.describe(e), e);
            }
        }

        synchronized boolean stillOurs() {
            if (lost) {
                return false;
            }
            try {
                return Files.getLastModifiedTime(lockDir).equals(lastSet);
            } catch (IOException e) {
                return false;
            }
        }

        synchronized void release() {
            refresh.cancel(false);
            refresh = null;
            if (!stillOurs()) {
                return;
            }
            try {
                Files.delete(lockDir);
            } catch (IOException e) {
                Log.LOG.warn("could not remove the lock {}; it will be taken over once stale", lockDir, e);
            }
            removeFoldersIfUnused();
        }

        /**
         * A command that failed (or had nothing to write) leaves the file system as it was: folders made only to
         * hold the lock go again when the accounts file was not written. Only empty ones: another process may
         * have put its own lock or file there meanwhile, and then the folder stays.
         */
        private void removeFoldersIfUnused() {
            if (createdFolders.isEmpty()) {
                return;
            }
            if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                for (int i = createdFolders.size() - 1; i >= 0; i--) {
                    try {
                        Files.delete(createdFolders.get(i));
                    } catch (IOException notEmptyOrGone) {
                        break;
                    }
                }
            }
            createdFolders.clear();
        }
    }
}
