package io.github.kimirotator.api.state;

import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.HealthEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where the keys' shared state lives: health, limits and their reasons, the disabled flag, counters, daily
 * counts, the round-robin position and the session-affinity table. The accounts file always holds the keys and the settings; a backend
 * may keep the per-key state somewhere several proxies see it (Redis), or nowhere but the file.
 *
 * <p>The proxy's request path calls {@link #refresh(AccountsState, boolean, Optional)} (at most one round trip,
 * usually none, and never waiting for it) outside its own lock and {@link #overlay(AccountsState)} (never any I/O) inside it;
 * {@link #record(AccountsState, String, HealthEvent, Instant)} never blocks. A backend that cannot reach its
 * store keeps answering from what it knows locally and says so in {@link #status()}.
 */
public interface KeyStateBackend extends AutoCloseable {

    /** Whether the backend is reachable, and since when it is in that condition. */
    record Status(String backend, boolean shared, boolean connected, Instant since) {
    }

    /**
     * What the shared state adds to one selection.
     *
     * @param turn a position in the rotation shared by every proxy (round-robin); empty when not asked or not shared
     * @param sessionKey the key (one of the local state's) the shared session table sends the session to; empty
     *     when the session is not in it, not asked, or the backend shares no table
     * @param sessionName the session's name in the shared table (a hash: the table holds no session id), for
     *     {@link #rememberSession}; empty when no session was asked or the backend shares no table
     */
    record Shared(OptionalLong turn, Optional<String> sessionKey, Optional<String> sessionName) {
        public static final Shared NONE = new Shared(OptionalLong.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Makes the shared view fresh enough for a selection over {@code local}'s keys: a cached view younger than
     * a few hundred milliseconds and not invalidated is kept; otherwise it is read again. Never waits: the stage
     * is already complete when nothing had to be asked (the usual case), else it completes when the answer is
     * in, on the backend's own I/O thread, within the backend's timeout (then with what is known locally, and
     * never exceptionally). At most one round trip's time in all.
     *
     * @param turn whether the selection needs a position in the shared rotation (round-robin)
     * @param session the client's session, when the selection wants the shared session table's key for it
     */
    java.util.concurrent.CompletionStage<Shared> refresh(AccountsState local, boolean turn, Optional<String> session);

    /**
     * The session that {@link #refresh} was asked about (its answer is {@code asked}) was sent to {@code key} at
     * {@code at}: the shared session table keeps it (by the session's name and the key's fingerprint) until the
     * session has been idle for {@code idle}. When {@code key} is the key {@code asked} gave, the selection only
     * followed the table, and a move another proxy made meanwhile is kept rather than undone. Never blocks; a
     * backend that shares no table does nothing.
     */
    default void rememberSession(Shared asked, String key, Instant at, java.time.Duration idle) {
    }

    /**
     * {@code local} with each key's shared fields taken from the shared view (with this process's own events
     * not yet in it applied on top), and recovery due now applied. No I/O. A backend that shares nothing
     * returns {@code local}.
     */
    AccountsState overlay(AccountsState local);

    /**
     * {@code event} happened to {@code key} at {@code at}; {@code local} gives the settings (recovery) and the
     * key's values if the shared store has never seen it. Never blocks: the write happens behind.
     */
    void record(AccountsState local, String key, HealthEvent event, Instant at);

    /** Clears the limits of {@code keys} and re-enables them, for every proxy sharing this state. Waits for it. */
    void clearLimits(Collection<String> keys);

    /** Reads the shared view now and waits for it (the CLI); a backend that shares nothing does nothing. */
    void sync(AccountsState local);

    Status status();

    /**
     * Whether {@link #clearLimits}, {@link #sync} and a view for status pages ({@link #refresh} waited for) can wait
     * for I/O: the proxy then serves its own endpoints on other threads than its network threads. Its requests
     * never wait ({@link #refresh} answers with a stage). True unless a backend says otherwise.
     */
    default boolean waitsForIo() {
        return true;
    }

    /** Writes what is pending, as far as that is possible within a short time, and lets go of connections. */
    @Override
    void close();
}
