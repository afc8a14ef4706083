package io.github.kimirotator.proxy;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.storage.AccountsStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.UnaryOperator;

/**
 * An {@link AccountsStore} holding the state in memory. Each write also replaces a small marker file at
 * {@link #path()} by an atomic rename, as the real store does with the accounts file, so that watchers of the
 * file see a change.
 */
final class InMemoryAccountsStore implements AccountsStore {
    private final Path path;
    private AccountsState state;
    private long writes;

    InMemoryAccountsStore(Path path, AccountsState initial) {
        this.path = path;
        this.state = initial;
        touch();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public synchronized AccountsState read() {
        return state;
    }

    @Override
    public synchronized AccountsState update(UnaryOperator<AccountsState> change) {
        AccountsState next = change.apply(state);
        if (next != state) {
            state = next;
            writes++;
            touch();
        }
        return state;
    }

    synchronized long writes() {
        return writes;
    }

    private void touch() {
        try {
            Path tmp = Files.createTempFile(path.getParent(), ".store", ".tmp");
            Files.writeString(tmp, Long.toString(writes), StandardCharsets.UTF_8);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
