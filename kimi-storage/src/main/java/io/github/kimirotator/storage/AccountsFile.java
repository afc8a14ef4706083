package io.github.kimirotator.storage;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The accounts file in the seed's format, shared with the seed and with other kimi-rotator processes: every
 * change is a read-modify-write under {@link AccountsLock}, written by {@link AtomicFileWriter}, with the
 * previous version kept in {@code <file>.bak}. A file that cannot be parsed is never written over.
 */
public final class AccountsFile implements AccountsStore {
    private final Path path;
    private final AccountsLock lock;
    private final AtomicFileWriter writer;

    public AccountsFile(Path path, Clock clock) {
        this(path, clock, LockWatcher.LOG);
    }

    /** With {@code watcher} told when a command waits for another process's lock, or takes over a stale one. */
    public AccountsFile(Path path, Clock clock, LockWatcher watcher) {
        this(path, new AccountsLock(path, clock, watcher), new AtomicFileWriter(AtomicFileWriter.ATOMIC_MOVE, clock));
    }

    AccountsFile(Path path, AccountsLock lock, AtomicFileWriter writer) {
        this.path = Objects.requireNonNull(path, "path");
        this.lock = Objects.requireNonNull(lock, "lock");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public AccountsState read() {
        try {
            return load(SecureFiles.canonical(path));
        } catch (KimiException corrupt) {
            if (corrupt.code() != ErrorCode.CORRUPT_FILE) {
                throw corrupt;
            }
            // The seed writes in place (truncate, then write) under the lock: without the lock we may have read
            // it half-written. Under the lock the read is final.
            AccountsLock.Hold hold;
            try {
                hold = lock.acquire();
            } catch (KimiException lockFailure) {
                corrupt.addSuppressed(lockFailure);
                throw corrupt;
            }
            try (hold) {
                return load(hold.file());
            }
        }
    }

    @Override
    public AccountsState update(UnaryOperator<AccountsState> change) {
        Objects.requireNonNull(change, "change");
        try (AccountsLock.Hold hold = lock.acquire()) {
            AccountsState current = load(hold.file());
            AccountsState next = Objects.requireNonNull(change.apply(current), "change returned null");
            if (next == current) {
                return current;
            }
            // The same text is the same state; comparing the records instead would make Java generate their
            // equals at run time (method-handle code that no start-up archive keeps: ~15 ms of a CLI command).
            String text = AccountsJson.format(next);
            if (text.equals(AccountsJson.format(current))) {
                return current;
            }
            byte[] content = text.getBytes(StandardCharsets.UTF_8);
            hold.ensureHeld();
            writer.write(hold.file(), content);
            return next;
        }
    }

    private AccountsState load(Path file) {
        try {
            return AccountsJson.parse(readText(file), path.toString());
        } catch (NoSuchFileException e) {
            return AccountsState.empty();
        } catch (KimiException e) {
            Path backup = AtomicFileWriter.backupOf(file);
            if (e.code() != ErrorCode.CORRUPT_FILE || !Files.exists(backup)) {
                throw e;
            }
            throw new KimiException(ErrorCode.CORRUPT_FILE, e.getMessage() + "; the previous version is in "
                    + backup + " (copy it over to recover)", e);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot read " + path + ": " + IoErrors.describe(e), e);
        }
    }

    private String readText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new KimiException(ErrorCode.CORRUPT_FILE, path + " is not valid JSON: it is not UTF-8 text", e);
        }
    }
}
