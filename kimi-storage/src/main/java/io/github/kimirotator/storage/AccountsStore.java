package io.github.kimirotator.storage;

import io.github.kimirotator.api.AccountsState;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The accounts file. Reads need no lock (writes are atomic renames); every change is a read-modify-write
 * under the in-process lock and the seed's cross-process lock directory.
 */
public interface AccountsStore {

    /** The accounts file. */
    Path path();

    /**
     * The current state; {@link AccountsState#empty()} when the file does not exist.
     *
     * @throws io.github.kimirotator.api.KimiException {@code CORRUPT_FILE} naming the file, line and column,
     *     {@code IO_ERROR} when it cannot be read
     */
    AccountsState read();

    /**
     * Applies {@code change} to the freshest state under the lock and writes the result atomically. When
     * {@code change} returns the very instance it was given, nothing is written. When it throws, nothing is
     * written and the exception propagates.
     *
     * @return the state as written (or as read, when unchanged)
     */
    AccountsState update(UnaryOperator<AccountsState> change);
}
