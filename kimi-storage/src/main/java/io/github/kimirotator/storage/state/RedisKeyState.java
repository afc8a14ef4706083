package io.github.kimirotator.storage.state;

import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.HealthEvent;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.strategies.builtin.SessionAffinityStrategy;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key state shared through Redis (or a Redis-protocol server) by every proxy that uses the same URL and prefix.
 *
 * <p>In Redis, per key (named by its {@link Fingerprints fingerprint}, never the key): one hash {@code
 * <prefix>key:<fp>} with health, limits, reason, disabled flag, counters and daily counts. Beside it: {@code
 * <prefix>rr}, the shared round-robin counter; {@code <prefix>applied}, each proxy's last applied event
 * number; and the channel {@code <prefix>events}, on which each change is announced.
 *
 * <p>Events: {@link #record} numbers the event and queues it; one writer thread sends queued events in order
 * (pipelined), each applied by one Lua script, atomically and at most once (the script skips a number it has
 * already applied). Until Redis confirms, the event stays in a local journal, so this proxy's view includes it
 * and nothing is lost while Redis is away: when it comes back, the journal is sent, and the script's rules
 * merge it (later limit wins, counters add).
 *
 * <p>Reads: {@link #refresh} keeps a snapshot of the keys' hashes, read in one round trip (one script that
 * also takes a round-robin turn when asked) and kept for {@value #SNAPSHOT_MILLIS} ms or until another proxy
 * announces a change. {@link #overlay} is the snapshot plus this proxy's journal, with no I/O. When Redis
 * does not answer within the timeout, the proxy goes on with what it knows (logged once), and a probe brings
 * it back.
 */
public final class RedisKeyState implements KeyStateBackend {
    private static final Logger LOG = LoggerFactory.getLogger(RedisKeyState.class);
    static final long SNAPSHOT_MILLIS = 250;
    private static final long PROBE_MILLIS = 250;
    private static final int BATCH = 256;
    private static final long LINGER_MILLIS = 5;
    private static final int MAX_JOURNAL = 100_000;
    /** Lua numbers are doubles: times beyond this could not be stored exactly. */
    public static final long MAX_TIME = (1L << 53) - 1;

    private static final String EVENT = resource("event.lua");
    private static final String READ = resource("read.lua");
    private static final String CLEAR = resource("clear.lua");
    private static final String SESSION = resource("session.lua");
    /** How long this proxy trusts its copy of a session's entry without asking Redis again. */
    private static final long SESSION_CACHE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String display;
    private final String prefix;
    private final String channel;
    private final String proxyId = UUID.randomUUID().toString();
    private final Fingerprints fingerprints;
    private final HealthPolicy policy;
    private final Clock clock;
    private final Duration timeout;
    private final RedisClient client;
    private final Map<String, String> shas = new java.util.concurrent.ConcurrentHashMap<>();

    private final ReentrantLock journalLock = new ReentrantLock();
    private final Condition journalGrew = journalLock.newCondition();
    private final ArrayDeque<Pending> journal = new ArrayDeque<>();
    private long nextSeq = 1;
    private volatile long ackedSeq;
    private final AtomicLong journalVersion = new AtomicLong();
    private final AtomicLong invalidations = new AtomicLong();
    /** This proxy's copy of the shared session table, by session hash; bounded as the strategy's own table. */
    private final Map<String, SessionEntry> sessions = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SessionEntry> eldest) {
            return size() > SessionAffinityStrategy.MAX_SESSIONS;
        }
    };
    private final AtomicLong sessionVersion = new AtomicLong();

    private volatile StatefulRedisConnection<String, String> connection;
    /** The writer's own connection, so that a request's read never waits behind a batch of events. */
    private volatile StatefulRedisConnection<String, String> writes;
    /** Keys Redis is known to hold (an event of theirs was applied since the connection came up). */
    private final java.util.Set<String> seeded = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile StatefulRedisPubSubConnection<String, String> pubSub;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** The last read sent for a request; requests that need the same read while it is on its way share it. */
    private volatile Reading reading;
    private volatile Overlaid overlaid;
    /** Each shared key's state as this proxy sees it: the snapshot with its own newer events applied. */
    private volatile Map<String, Account> sharedByFp = Map.of();
    private volatile Status status;
    private volatile boolean closed;
    private boolean downLogged;
    /**
     * What Redis answered when it last refused a command (a replica's READONLY, a user the ACL does not allow,
     * scripting off), until it takes the events again; null while nothing is refused. A server that refuses
     * still answers PING, so the probe cannot tell that it is back: the writer tries the events themselves.
     */
    private volatile String refusal;
    private volatile String lastFailure = "cannot connect";
    private final Thread writer;

    /** One event not yet known to be in Redis, or in Redis but not yet in a snapshot read after it. */
    private record Pending(long seq, String key, String fp, HealthEvent event, Instant at, boolean autoRecover,
            int cooldownMinutes, Account seed) {
    }

    /** Shared fields of some keys as read at one moment, and up to which of our events they include. */
    private record Snapshot(Map<String, Map<String, String>> byFp, long appliedSeq, long readAtNanos,
            long invalidationsAtRead, java.util.Set<String> fps) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), -1, Long.MIN_VALUE / 2, -1, java.util.Set.of());
    }

    /** A read on its way: sent after the {@code invalidations}-th announced change, for the keys {@code fps}. */
    private record Reading(long invalidations, java.util.Set<String> fps, CompletableFuture<Void> done) {
    }

    /** The last overlay, reused while nothing it depends on has changed. */
    private record Overlaid(AccountsState local, long journalVersion, long atMillis, AccountsState result) {
    }

    /**
     * @param url {@code redis://HOST:PORT[/DB]} or {@code rediss://…}, with or without a password
     * @param password used when the URL holds none ({@code KIMI_ROTATOR_REDIS_PASSWORD}); may be null
     * @param prefix of every Redis key, e.g. {@code kimi-rotator:}
     * @param secret the team secret of fingerprints; may be null
     * @param timeout how long a request waits for Redis before going on without it
     * @throws KimiException {@code INVALID_ARGUMENT} when the URL is not a Redis URL
     */
    public RedisKeyState(String url, String password, String prefix, String secret, HealthPolicy policy,
            Duration timeout) {
        this(url, password, null, prefix, secret, policy, timeout);
    }

    /**
     * As above, trusting for {@code rediss://} the certificate authorities in the PEM file {@code ca}
     * ({@code KIMI_ROTATOR_REDIS_CA}) instead of the JVM's default trust store; null for the default.
     *
     * @throws KimiException {@code INVALID_ARGUMENT} when {@code ca} is not a readable file
     */
    public RedisKeyState(String url, String password, java.nio.file.Path ca, String prefix, String secret,
            HealthPolicy policy, Duration timeout) {
        RedisURI uri = parse(url);
        if (ca != null && !java.nio.file.Files.isReadable(ca)) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "cannot read the Redis CA certificates file " + ca
                    + " (" + KeyStates.CA_VARIABLE + ")");
        }
        if (!url.matches("rediss?://[^/]*@.*") && password != null && !password.isEmpty()) {
            uri.setAuthentication(password);
        }
        uri.setTimeout(timeout.multipliedBy(4));
        this.display = uri.getHost() + ":" + uri.getPort() + (uri.getDatabase() != 0 ? "/" + uri.getDatabase() : "");
        this.prefix = prefix;
        this.channel = prefix + "events";
        this.fingerprints = new Fingerprints(secret);
        this.policy = policy;
        this.clock = policy.clock();
        this.timeout = timeout;
        this.client = RedisClient.create(uri);
        ClientOptions.Builder options = ClientOptions.builder();
        if (ca != null) {
            options.sslOptions(io.lettuce.core.SslOptions.builder().jdkSslProvider().trustManager(ca.toFile()).build());
        }
        client.setOptions(options
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .build());
        this.status = new Status("redis", true, false, clock.instant());
        connect(true);
        this.writer = new Thread(this::writeLoop, "kimi-state-redis");
        writer.setDaemon(true);
        writer.start();
    }

    /** Checks a state URL without connecting; the message names what is wrong. */
    public static RedisURI parse(String url) {
        if (url == null || !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid --state URL '" + redacted(url)
                    + "': expected redis://HOST:PORT[/DB] or rediss://…");
        }
        try {
            RedisURI uri = RedisURI.create(url);
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException("no host");
            }
            return uri;
        } catch (RuntimeException e) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "invalid --state URL '" + redacted(url) + "': "
                    + e.getMessage());
        }
    }

    /** {@code url} with any password replaced, for messages. */
    public static String redacted(String url) {
        if (url == null) {
            return "";
        }
        return url.replaceAll("(rediss?://)[^@/]*@", "$1***@");
    }

    /** The fingerprint {@code key} has in Redis. */
    public String fingerprint(String key) {
        return fingerprints.of(key);
    }

    /** The Redis key of the hash of {@code key}'s state. */
    public String hashOf(String key) {
        return prefix + "key:" + fingerprints.of(key);
    }

    // ---------------------------------------------------------------- request path

    @Override
    public CompletionStage<Shared> refresh(AccountsState local, boolean turn, Optional<String> session) {
        Optional<String> name = session.map(fingerprints::ofSession);
        Shared alone = name.isEmpty() ? Shared.NONE : new Shared(OptionalLong.empty(), Optional.empty(), name);
        StatefulRedisConnection<String, String> c = connection;
        if (!status.connected() || c == null) {
            return CompletableFuture.completedStage(alone);
        }
        try {
            // Everything this selection needs from Redis is asked at once, so it waits one round trip at most.
            SessionLookup lookup = name.isPresent() ? lookUp(c, name.get()) : null;
            CompletableFuture<Long> myTurn = turn ? takeTurn(c) : null;
            CompletableFuture<Void> read = fresh(local) ? null : read(c, local);
            List<CompletableFuture<?>> asked = new ArrayList<>(3);
            for (CompletableFuture<?> f : java.util.Arrays.asList(lookup == null ? null : lookup.pending, myTurn, read)) {
                if (f != null) {
                    asked.add(f);
                }
            }
            if (asked.isEmpty()) {
                return CompletableFuture.completedStage(shared(local, name, lookup, myTurn));
            }
            // Continues on the thread the last answer arrives on (Lettuce's), or on the timeout's.
            return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).handle((ignored, failure) -> {
                if (failure != null) {
                    down(failure);
                    return alone;
                }
                return shared(local, name, lookup, myTurn);
            });
        } catch (RuntimeException e) {
            down(e);
            return CompletableFuture.completedStage(alone);
        }
    }

    /** Whether the snapshot covers {@code local}'s keys, is young enough and no change was announced since. */
    private boolean fresh(AccountsState local) {
        Snapshot s = snapshot;
        return System.nanoTime() - s.readAtNanos() < TimeUnit.MILLISECONDS.toNanos(SNAPSHOT_MILLIS)
                && s.invalidationsAtRead() == invalidations.get() && s.fps().containsAll(fpsOf(local));
    }

    /** What the selection gets, once every answer asked for it is in. */
    private Shared shared(AccountsState local, Optional<String> name, SessionLookup lookup, CompletableFuture<Long> turn) {
        OptionalLong t = turn == null ? OptionalLong.empty() : OptionalLong.of(turn.join());
        Optional<String> key = lookup == null ? Optional.empty() : lookup.key(local);
        return t.isEmpty() && key.isEmpty() && name.isEmpty() ? Shared.NONE : new Shared(t, key, name);
    }

    /**
     * This selection's round-robin turn from the shared counter: an {@code INCR} of its own, sent at once, so
     * that it waits behind no other selection's round trip (Redis answers pipelined commands in order). No turn
     * is fetched ahead of a selection: every number of the counter is used, so over all proxies together each
     * key's share stays within one of an exact rotation (a number held ahead by each proxy would be lost when
     * the requests stop, and the shares could differ by the number of proxies).
     */
    private CompletableFuture<Long> takeTurn(StatefulRedisConnection<String, String> c) {
        return within(c.async().incr(prefix + "rr"));
    }

    /** {@code answer}, failed with a {@link TimeoutException} when Redis does not give it within the timeout. */
    private <T> CompletableFuture<T> within(CompletionStage<T> answer) {
        // A copy: the timeout must not complete Lettuce's own command.
        return answer.toCompletableFuture().copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- shared session table

    /** One session's entry in this proxy's copy of the table: a key's fingerprint, or null for none. */
    private record SessionEntry(String fp, long seenNanos, long writtenNanos) {
    }

    /** A session looked up in this proxy's copy, or in Redis (then {@code pending} is the answer to come). */
    private final class SessionLookup {
        private final String hash;
        private final SessionEntry known;
        private final CompletableFuture<String> pending;
        private final long versionAtAsk;

        SessionLookup(String hash, SessionEntry known, CompletableFuture<String> pending, long versionAtAsk) {
            this.hash = hash;
            this.known = known;
            this.pending = pending;
            this.versionAtAsk = versionAtAsk;
        }

        /** The key the table gives; called once {@code pending} (if any) is complete. */
        Optional<String> key(AccountsState local) {
            String fp;
            if (known != null) {
                fp = known.fp();
            } else {
                fp = pending.join();
                synchronized (sessions) {
                    // An announcement that came meanwhile may make this answer old: then it is not kept.
                    if (sessionVersion.get() == versionAtAsk && !sessions.containsKey(hash)) {
                        sessions.put(hash, new SessionEntry(fp, System.nanoTime(), 0));
                    }
                }
            }
            if (fp == null) {
                return Optional.empty();
            }
            for (Account a : local.accounts()) {
                if (fingerprints.of(a.key()).equals(fp)) {
                    return Optional.of(a.key());
                }
            }
            return Optional.empty();
        }
    }

    private SessionLookup lookUp(StatefulRedisConnection<String, String> c, String hash) {
        long version = sessionVersion.get();
        SessionEntry known;
        synchronized (sessions) {
            known = sessions.get(hash);
        }
        if (known != null && System.nanoTime() - known.seenNanos() < SESSION_CACHE_NANOS) {
            return new SessionLookup(hash, known, null, version);
        }
        return new SessionLookup(hash, null, within(c.async().get(prefix + "session:" + hash)), version);
    }

    @Override
    public void rememberSession(Shared asked, String key, Instant at, Duration idle) {
        if (asked.sessionName().isEmpty()) {
            return;
        }
        String hash = asked.sessionName().get();
        Optional<String> followed = asked.sessionKey();
        String fp = fingerprints.of(key);
        // Followed the table: kept only if the table still says so. Else a move (or a new session): written.
        String expected = followed.isPresent() && followed.get().equals(key) ? fp : "";
        long now = System.nanoTime();
        synchronized (sessions) {
            SessionEntry old = sessions.get(hash);
            if (old != null && fp.equals(old.fp()) && old.writtenNanos() != 0
                    && now - old.writtenNanos() < SESSION_CACHE_NANOS) {
                // Written lately: Redis's expiry is at most a minute short of the idle time; no write per request.
                sessions.put(hash, new SessionEntry(fp, now, old.writtenNanos()));
                return;
            }
            sessions.put(hash, new SessionEntry(fp, now, now));
        }
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !status.connected()) {
            forgetWritten(hash);
            return;
        }
        eval(c.async(), SESSION, new String[] {prefix + "session:" + hash}, fp, Long.toString(idle.toMillis()),
                channel, "s " + proxyId + " " + hash, expected)
                .whenComplete((r, t) -> {
                    if (t != null) {
                        forgetWritten(hash);
                    } else if (Long.valueOf(0).equals(r.get(0))) {
                        // Another proxy moved the session meanwhile: this copy is old.
                        sessionMoved(hash);
                    }
                });
    }

    /** The entry of {@code hash} is not known to be in Redis: the next use writes it. */
    private void forgetWritten(String hash) {
        synchronized (sessions) {
            SessionEntry e = sessions.get(hash);
            if (e != null) {
                sessions.put(hash, new SessionEntry(e.fp(), e.seenNanos(), 0));
            }
        }
    }

    /** Another proxy sent session {@code hash} elsewhere: this proxy's copy of it is old. */
    private void sessionMoved(String hash) {
        synchronized (sessions) {
            sessionVersion.incrementAndGet();
            sessions.remove(hash);
        }
    }

    /**
     * Reads the shared fields of {@code local}'s keys (one script call) and installs them as the snapshot. A read
     * already on its way that covers the same keys and was sent after the last announced change is shared
     * rather than sent again.
     */
    private CompletableFuture<Void> read(StatefulRedisConnection<String, String> c, AccountsState local) {
        List<String> fps = fpsOf(local);
        long inv = invalidations.get();
        Reading current = reading;
        if (current != null && !current.done().isDone() && current.invalidations() == inv
                && current.fps().containsAll(fps)) {
            return current.done();
        }
        String[] keys = new String[fps.size() + 1];
        keys[0] = prefix + "applied";
        for (int i = 0; i < fps.size(); i++) {
            keys[i + 1] = prefix + "key:" + fps.get(i);
        }
        long acked = ackedSeq;
        long started = System.nanoTime();
        CompletableFuture<Void> done = within(eval(c.async(), READ, keys, proxyId)).thenAccept(out -> {
            Map<String, Map<String, String>> byFp = new HashMap<>();
            for (int i = 0; i < fps.size(); i++) {
                Map<String, String> fields = pairs(out.get(i + 1));
                if (!fields.isEmpty()) {
                    byFp.put(fps.get(i), fields);
                }
            }
            long applied = (Long) out.get(0);
            Snapshot s = new Snapshot(byFp, applied, started, inv, java.util.Set.copyOf(fps));
            install(s, Math.max(applied, acked), local);
        });
        reading = new Reading(inv, java.util.Set.copyOf(fps), done);
        return done;
    }

    /**
     * Makes {@code s} the snapshot and rebuilds the shared view from it: each key's fields, with this proxy's
     * events that the snapshot does not include applied on top. Events Redis holds and {@code s} covers are
     * dropped from the journal.
     */
    private void install(Snapshot s, long covered, AccountsState local) {
        journalLock.lock();
        try {
            if (s.readAtNanos() < snapshot.readAtNanos()) {
                return;
            }
            snapshot = s;
            while (!journal.isEmpty() && journal.peekFirst().seq() <= covered && journal.peekFirst().seq() <= ackedSeq) {
                journal.pollFirst();
            }
            Map<String, Account> rebuilt = new HashMap<>();
            for (Account a : local.accounts()) {
                String fp = fingerprints.of(a.key());
                Map<String, String> fields = s.byFp().get(fp);
                if (fields != null) {
                    rebuilt.put(fp, merged(a, fields));
                }
            }
            for (Pending p : journal) {
                if (p.seq() > s.appliedSeq()) {
                    rebuilt.computeIfPresent(p.fp(), (fp, a) -> applied(a, p));
                }
            }
            sharedByFp = rebuilt;
            journalVersion.incrementAndGet();
        } finally {
            journalLock.unlock();
        }
    }

    private Account applied(Account a, Pending p) {
        return HealthPolicy.applyAt(a, p.event(), p.at(), clock.getZone(), p.autoRecover(), p.cooldownMinutes());
    }

    @Override
    public AccountsState overlay(AccountsState local) {
        Map<String, Account> shared = sharedByFp;
        long version = journalVersion.get();
        long now = clock.millis();
        Overlaid last = overlaid;
        if (last != null && last.local() == local && last.journalVersion() == version
                && now - last.atMillis() < 1000 && now >= last.atMillis()) {
            return last.result();
        }
        AccountsState result = local;
        if (!shared.isEmpty()) {
            List<Account> accounts = new ArrayList<>(local.accounts().size());
            boolean changed = false;
            for (Account a : local.accounts()) {
                Account s = shared.get(fingerprints.of(a.key()));
                accounts.add(s == null ? a : withSharedFields(a, s));
                changed |= s != null;
            }
            result = changed ? policy.autoRecover(local.withAccounts(accounts)) : local;
        }
        overlaid = new Overlaid(local, version, now, result);
        return result;
    }

    /** {@code local} (its key, name, response times, extra fields) with the shared fields of {@code shared}. */
    static Account withSharedFields(Account local, Account shared) {
        return local.toBuilder()
                .healthScore(shared.healthScore())
                .rateLimitResetTime(shared.rateLimitResetTime())
                .billingLimitResetTime(shared.billingLimitResetTime())
                .consecutiveFailures(shared.consecutiveFailures())
                .consecutiveBillingLimitHits(shared.consecutiveBillingLimitHits())
                .totalRequests(shared.totalRequests())
                .successfulRequests(shared.successfulRequests())
                .lastUsed(shared.lastUsed())
                .disabled(shared.disabled())
                .limitReason(shared.limitReason())
                .lastPenaltyAt(shared.lastPenaltyAt())
                .lastRecoveryAt(shared.lastRecoveryAt())
                .dailyRequests(shared.dailyRequests())
                .dailyTokens(shared.dailyTokens())
                .build();
    }

    @Override
    public void record(AccountsState local, String key, HealthEvent event, Instant at) {
        int index = local.indexOfKey(key);
        Account seed = index >= 0 ? local.accounts().get(index) : null;
        journalLock.lock();
        try {
            if (journal.size() >= MAX_JOURNAL) {
                journal.pollFirst();
            }
            Pending p = new Pending(nextSeq++, key, fingerprints.of(key), event, at, local.autoRefreshHealth(),
                    local.healthRefreshCooldownMinutes(), seed);
            journal.addLast(p);
            Account shared = sharedByFp.get(p.fp());
            if (shared != null) {
                Map<String, Account> next = new HashMap<>(sharedByFp);
                next.put(p.fp(), applied(shared, p));
                sharedByFp = next;
            }
            journalVersion.incrementAndGet();
            journalGrew.signal();
            if (urgent(event)) {
                java.util.concurrent.locks.LockSupport.unpark(writer);
            }
        } finally {
            journalLock.unlock();
        }
    }

    // ---------------------------------------------------------------- CLI

    @Override
    public void clearLimits(Collection<String> keys) {
        StatefulRedisConnection<String, String> c = requireConnection();
        String[] hashes = keys.stream().map(this::hashOf).toArray(String[]::new);
        try {
            eval(c.async(), CLEAR, hashes, channel).get(timeout.toMillis() * 10, TimeUnit.MILLISECONDS);
            invalidations.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        } catch (ExecutionException | TimeoutException e) {
            throw unreachable(e);
        }
    }

    @Override
    public void sync(AccountsState local) {
        StatefulRedisConnection<String, String> c = requireConnection();
        try {
            read(c, local).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        } catch (ExecutionException e) {
            throw unreachable(e.getCause() instanceof Exception cause ? cause : e);
        }
    }

    private StatefulRedisConnection<String, String> requireConnection() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            throw unreachable(null);
        }
        return c;
    }

    private KimiException unreachable(Exception e) {
        String why = e == null ? lastFailure : e instanceof TimeoutException ? "no answer" : why(e);
        return new KimiException(ErrorCode.IO_ERROR, "shared state on redis " + display + " unreachable: " + why, e);
    }

    @Override
    public Status status() {
        return status;
    }

    // ---------------------------------------------------------------- writer and probe

    private void writeLoop() {
        while (!closed) {
            try {
                StatefulRedisConnection<String, String> c = connection;
                if (c == null) {
                    // Not connected since the start: the first failure is told here, not by the constructor, so
                    // a CLI command that fails at once on it prints its one-line error and nothing else.
                    sleep(PROBE_MILLIS);
                    if (!closed) {
                        connect(false);
                    }
                    continue;
                }
                if (!status.connected()) {
                    if (refusal == null) {
                        probe(c);
                        continue;
                    }
                    // Redis answers but refused: try the events again, at the probe's pace (not in a loop).
                    sleep(PROBE_MILLIS);
                }
                List<Pending> batch = nextBatch();
                if (batch.isEmpty()) {
                    continue;
                }
                send(writes, batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.debug("shared state writer: {}", e.toString());
                sleep(PROBE_MILLIS);
            }
        }
    }

    private void probe(StatefulRedisConnection<String, String> c) throws InterruptedException {
        try {
            c.async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            up();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            sleep(PROBE_MILLIS);
        }
    }

    /**
     * The events to send next. Successes and token counts wait {@value #LINGER_MILLIS} ms for company, so that
     * under load one script call carries many events (a call costs Redis far more than an event in it); anything
     * else goes at once.
     */
    private List<Pending> nextBatch() throws InterruptedException {
        List<Pending> batch;
        journalLock.lock();
        try {
            batch = unsent();
            if (batch.isEmpty()) {
                journalGrew.await(200, TimeUnit.MILLISECONDS);
                batch = unsent();
            }
        } finally {
            journalLock.unlock();
        }
        if (batch.isEmpty() || batch.size() >= BATCH || batch.stream().anyMatch(p -> urgent(p.event()))) {
            return batch;
        }
        // An urgent event recorded meanwhile ends the wait (record() unparks this thread).
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS));
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        journalLock.lock();
        try {
            return unsent();
        } finally {
            journalLock.unlock();
        }
    }

    /** Whether the other proxies should hear of {@code event} before their next selection. */
    private static boolean urgent(HealthEvent event) {
        return !HealthPolicy.isUsage(event);
    }

    private List<Pending> unsent() {
        List<Pending> batch = new ArrayList<>();
        for (Pending p : journal) {
            if (p.seq() > ackedSeq) {
                batch.add(p);
                if (batch.size() == BATCH) {
                    break;
                }
            }
        }
        return batch;
    }

    /**
     * Sends {@code batch} on the writer's own connection as one script call, and waits for the answer. A batch is
     * announced to the other proxies only when it holds more than successes and token counts; a key's seed goes
     * along only until Redis is known to have the key.
     */
    private void send(StatefulRedisConnection<String, String> w, List<Pending> batch) {
        // Successes only move counters and health a little: the others see them with their next read (within
        // SNAPSHOT_MILLIS). Anything else (a limit, a disabled key, a failure) is announced, so that they read again
        // before their next selection. Under load this spares every proxy a re-read per request.
        boolean urgent = false;
        List<String> keys = new ArrayList<>();
        keys.add(prefix + "applied");
        Map<String, Integer> keyIndex = new HashMap<>();
        for (Pending p : batch) {
            urgent |= urgent(p.event());
            keyIndex.computeIfAbsent(p.fp(), fp -> {
                keys.add(prefix + "key:" + fp);
                return keys.size();
            });
        }
        // The events already in Redis as far as this proxy knows: where its chain starts in a Redis that has
        // none of them (restarted empty).
        long base = batch.get(0).seq() - 1;
        // Events between what Redis was last known to have and this batch are no longer in the journal (dropped when
        // it was full, or dropped once covered and then lost by Redis): they cannot be sent, so the chain goes on
        // after them; otherwise Redis would refuse this batch, and every one after it, for ever.
        String baseArg = (base > ackedSeq ? "!" : "") + base;
        List<String> args = new ArrayList<>(List.of(proxyId, urgent ? channel : "", baseArg,
                Integer.toString(HealthPolicy.SUCCESS_GAIN), Integer.toString(HealthPolicy.RATE_LIMIT_PENALTY),
                Integer.toString(HealthPolicy.BILLING_PENALTY), Integer.toString(HealthPolicy.MEMBERSHIP_PENALTY),
                Integer.toString(HealthPolicy.REJECTED_PENALTY), Integer.toString(HealthPolicy.FAILURE_PENALTY),
                Integer.toString(HealthPolicy.RECOVERY_STEP)));
        for (Pending p : batch) {
            List<String> event = eventArgs(p, keyIndex.get(p.fp()), p.seed() != null && !seeded.contains(p.fp()));
            args.add(Integer.toString(event.size()));
            args.addAll(event);
        }
        CompletableFuture<List<Object>> sent = eval(w.async(), w::flushCommands, EVENT, keys.toArray(String[]::new),
                args.toArray(String[]::new));
        w.flushCommands();
        List<Object> r;
        try {
            r = sent.get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            down(e);
            return;
        }
        if (refusal != null) {
            accepted();
        }
        for (int i = 0; i + 1 < r.size(); i += 2) {
            long code = (Long) r.get(i);
            Pending p = batch.get(i / 2);
            if (code >= 0) {
                ackedSeq = Math.max(ackedSeq, p.seq());
                seeded.add(p.fp());
            } else if (code == -2) {
                // Redis lost the key (restarted, flushed): send it again, with the seed this time.
                seeded.clear();
                return;
            } else {
                // Redis has fewer of ours than we thought (it lost them): send again from there.
                ackedSeq = Math.min(ackedSeq, (Long) r.get(i + 1));
                seeded.clear();
                return;
            }
        }
    }

    /** One event's fields for the event script (see event.lua). */
    private List<String> eventArgs(Pending p, int keyIndex, boolean withSeed) {
        long now = p.at().toEpochMilli();
        HealthEvent e = p.event();
        String kind;
        long until = 0;
        String reason = "";
        String tokens = "";
        boolean soft = false;
        if (e instanceof HealthEvent.Success) {
            kind = "S";
        } else if (e instanceof HealthEvent.TokensUsed t) {
            kind = "T";
            tokens = t.usage().input() + " " + t.usage().output() + " " + t.usage().cacheRead() + " "
                    + t.usage().cacheCreation();
        } else if (e instanceof HealthEvent.RateLimited r) {
            kind = "R";
            until = HealthPolicy.plusSaturated(now, r.retryAfter().orElse(HealthPolicy.DEFAULT_RETRY_AFTER));
            reason = HealthPolicy.REASON_RATE_LIMITED;
        } else if (e instanceof HealthEvent.BillingLimit b) {
            kind = "B";
            soft = b.soft();
            until = new HealthPolicy(Clock.fixed(p.at(), clock.getZone())).billingLimitUntil(p.at());
            reason = HealthPolicy.REASON_BILLING;
        } else if (e instanceof HealthEvent.MembershipRefused) {
            kind = "M";
            until = now + HealthPolicy.MEMBERSHIP_LIMIT.toMillis();
            reason = HealthPolicy.REASON_MEMBERSHIP;
        } else if (e instanceof HealthEvent.KeyRejected k) {
            kind = "K";
            reason = HealthPolicy.rejectedReason(k);
        } else if (e instanceof HealthEvent.Failure) {
            kind = "F";
        } else {
            throw new IllegalArgumentException("not a shared event: " + e);
        }
        HealthPolicy.Days days = HealthPolicy.Days.of(p.at());
        List<String> args = new ArrayList<>(List.of(Integer.toString(keyIndex), Long.toString(p.seq()), kind,
                Long.toString(now), Long.toString(Math.min(until, MAX_TIME)), reason, HealthPolicy.REASON_RATE_LIMITED,
                soft ? "1" : "0", Long.toString(now + HealthPolicy.DEFAULT_RETRY_AFTER.toMillis()), days.today(),
                days.oldestKept(),
                Long.toString(p.autoRecover() && p.cooldownMinutes() > 0
                        ? Duration.ofMinutes(p.cooldownMinutes()).toMillis() : 0),
                tokens));
        if (withSeed) {
            args.addAll(fieldsOf(p.seed()));
        } else if (p.seed() != null) {
            args.add("-");
        }
        return args;
    }

    // ---------------------------------------------------------------- connection state

    private boolean connect(boolean first) {
        List<io.lettuce.core.api.StatefulConnection<String, String>> opened = new ArrayList<>();
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            opened.add(c);
            StatefulRedisConnection<String, String> w = client.connect();
            opened.add(w);
            w.setAutoFlushCommands(false);
            StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
            opened.add(sub);
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    if (message.startsWith("s ")) {
                        // "s <proxy> <session hash>": a session was sent to another key.
                        int space = message.indexOf(' ', 2);
                        if (space > 0 && !message.substring(2, space).equals(proxyId)) {
                            sessionMoved(message.substring(space + 1));
                        }
                    } else if (!proxyId.equals(message)) {
                        invalidations.incrementAndGet();
                    }
                }
            });
            sub.sync().subscribe(channel);
            writes = w;
            connection = c;
            pubSub = sub;
            up();
            return true;
        } catch (RuntimeException e) {
            opened.forEach(io.lettuce.core.api.StatefulConnection::closeAsync);
            lastFailure = why(e);
            if (!first) {
                down(e);
            }
            return false;
        }
    }

    /**
     * What went wrong, in one line: a TLS failure named as such (Lettuce wraps it in "unable to connect"), else
     * the deepest message.
     */
    static String why(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
                Throwable root = t;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                return "TLS handshake failed: " + firstLine(root.getMessage() != null ? root.getMessage() : t.getMessage())
                        + " (is the server's CA in " + KeyStates.CA_VARIABLE + "?)";
            }
            if (t.getMessage() != null) {
                deepest = t;
            }
        }
        return firstLine(deepest.getMessage());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private synchronized void up() {
        invalidations.incrementAndGet();
        seeded.clear();
        // Announcements may have been missed while away: the copy of the session table is asked again.
        synchronized (sessions) {
            sessionVersion.incrementAndGet();
            sessions.clear();
        }
        downLogged = false;
        if (!status.connected()) {
            status = new Status("redis", true, true, clock.instant());
            LOG.info("shared state on redis {}: connected", display);
        }
    }

    /** Redis took the events again after refusing them. */
    private synchronized void accepted() {
        refusal = null;
        up();
    }

    private synchronized void down(Throwable e) {
        if (status.connected()) {
            status = new Status("redis", true, false, clock.instant());
        }
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof io.lettuce.core.RedisCommandExecutionException) {
            // Redis is there and said no: told once per answer, however often the writer tries again.
            String answer = firstLine(cause.getMessage());
            if (!answer.equals(refusal)) {
                refusal = answer;
                LOG.warn("shared state on redis {} refuses the proxy's updates ({}); serving from local state until"
                        + " it takes them", display, answer);
            }
        } else if (!downLogged) {
            downLogged = true;
            LOG.warn("shared state on redis {} unreachable ({}); serving from local state until it is back",
                    display, cause instanceof TimeoutException ? "no answer within " + timeout.toMillis() + " ms"
                            : why(cause));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // Let the writer send what is pending, briefly.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (status.connected() && ackedSeq < lastSeq() && System.nanoTime() < deadline) {
            sleep(10);
        }
        closed = true;
        writer.interrupt();
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }

    /** The number of this proxy's latest event (0 when none); for tests and shutdown. */
    public long lastSeq() {
        journalLock.lock();
        try {
            return nextSeq - 1;
        } finally {
            journalLock.unlock();
        }
    }

    /** Whether every event recorded so far is in Redis. */
    public boolean written() {
        return ackedSeq >= lastSeq();
    }

    // ---------------------------------------------------------------- helpers

    private List<String> fpsOf(AccountsState local) {
        List<String> fps = new ArrayList<>(local.accounts().size());
        for (Account a : local.accounts()) {
            fps.add(fingerprints.of(a.key()));
        }
        return fps;
    }

    /** Runs {@code script} by its digest, sending its text only when the server does not know it yet. */
    private CompletableFuture<List<Object>> eval(RedisAsyncCommands<String, String> async, String script,
            String[] keys, String... args) {
        return eval(async, () -> { }, script, keys, args);
    }

    /** As above, on a connection that sends what is written only when {@code flush} runs. */
    private CompletableFuture<List<Object>> eval(RedisAsyncCommands<String, String> async, Runnable flush,
            String script, String[] keys, String... args) {
        String sha = shas.computeIfAbsent(script, RedisKeyState::sha1);
        RedisFuture<List<Object>> f = async.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        return f.toCompletableFuture().exceptionallyCompose(t -> {
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                    ? t.getCause() : t;
            if (cause instanceof RedisNoScriptException) {
                RedisFuture<List<Object>> full = async.eval(script, ScriptOutputType.MULTI, keys, args);
                flush.run();
                return full.toCompletableFuture();
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** The shared fields of {@code a} as the event script seeds them, field by field. */
    static List<String> fieldsOf(Account a) {
        List<String> f = new ArrayList<>(List.of(
                "h", Integer.toString(a.healthScore()),
                "rl", Long.toString(Math.min(a.rateLimitResetTime(), MAX_TIME)),
                "bl", Long.toString(Math.min(a.billingLimitResetTime(), MAX_TIME)),
                "cf", Integer.toString(a.consecutiveFailures()),
                "cb", Integer.toString(a.consecutiveBillingLimitHits()),
                "tr", Long.toString(a.totalRequests()),
                "sr", Long.toString(a.successfulRequests()),
                "lu", Long.toString(a.lastUsed()),
                "dis", a.disabled() ? "1" : "0",
                "lp", Long.toString(a.lastPenaltyAt()),
                "lr", Long.toString(a.lastRecoveryAt())));
        if (a.limitReason() != null) {
            f.add("rsn");
            f.add(a.limitReason());
        }
        a.dailyRequests().forEach((day, n) -> {
            f.add("d:" + day);
            f.add(Long.toString(n));
        });
        a.dailyTokens().forEach((day, t) -> {
            f.addAll(List.of("ti:" + day, Long.toString(t.input()), "to:" + day, Long.toString(t.output()),
                    "tc:" + day, Long.toString(t.cacheRead()), "tw:" + day, Long.toString(t.cacheCreation())));
        });
        return f;
    }

    /** {@code local} with the shared fields from Redis. */
    static Account merged(Account local, Map<String, String> f) {
        SortedMap<String, Long> daily = new TreeMap<>();
        SortedMap<String, long[]> tokens = new TreeMap<>();
        f.forEach((name, value) -> {
            if (name.startsWith("d:")) {
                daily.put(name.substring(2), Long.parseLong(value));
            } else if (name.length() > 3 && name.charAt(0) == 't' && name.charAt(2) == ':') {
                int slot = "iocw".indexOf(name.charAt(1));
                if (slot >= 0) {
                    tokens.computeIfAbsent(name.substring(3), d -> new long[4])[slot] = Long.parseLong(value);
                }
            }
        });
        SortedMap<String, io.github.kimirotator.api.TokenUsage> dailyTokens = new TreeMap<>();
        tokens.forEach((day, t) -> dailyTokens.put(day, new io.github.kimirotator.api.TokenUsage(t[0], t[1], t[2], t[3])));
        return local.toBuilder()
                .healthScore((int) num(f, "h", local.healthScore()))
                .rateLimitResetTime(num(f, "rl", 0))
                .billingLimitResetTime(num(f, "bl", 0))
                .consecutiveFailures((int) num(f, "cf", 0))
                .consecutiveBillingLimitHits((int) num(f, "cb", 0))
                .totalRequests(num(f, "tr", 0))
                .successfulRequests(num(f, "sr", 0))
                .lastUsed(num(f, "lu", local.lastUsed()))
                .disabled("1".equals(f.get("dis")))
                .limitReason(f.get("rsn"))
                .lastPenaltyAt(num(f, "lp", 0))
                .lastRecoveryAt(num(f, "lr", 0))
                .dailyRequests(daily)
                .dailyTokens(dailyTokens)
                .build();
    }

    private static long num(Map<String, String> f, String name, long otherwise) {
        String v = f.get(name);
        if (v == null || v.isEmpty()) {
            return otherwise;
        }
        // Lua may hand back a whole number in floating-point notation.
        return v.indexOf('.') >= 0 || v.indexOf('e') >= 0 ? (long) Double.parseDouble(v) : Long.parseLong(v);
    }

    private static Map<String, String> pairs(Object o) {
        Map<String, String> m = new HashMap<>();
        if (o instanceof List<?> list) {
            for (int i = 0; i + 1 < list.size(); i += 2) {
                m.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
            }
        }
        return m;
    }

    private static String sha1(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RedisKeyState.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
