package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_C;
import static io.github.kimirotator.proxy.ProxyHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.state.RedisKeyState;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three proxies in this JVM share key state through one real Redis, in front of one fake upstream: what one
 * proxy learns protects the others, round-robin is fair over all of them, counters are exact, and nothing in
 * Redis holds a key.
 */
class TestSharedState {
    static final AtomicInteger PREFIXES = new AtomicInteger();
    static final ObjectMapper JSON = new ObjectMapper();
    static RedisFixture redis;

    @TempDir
    Path dir;
    final List<ProxyHarness> proxies = new ArrayList<>();
    final String prefix = "t" + PREFIXES.incrementAndGet() + ":";

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisFixture.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeProxies() throws Exception {
        for (ProxyHarness p : proxies) {
            p.close();
        }
    }

    static Function<HealthPolicy, KeyStateBackend> redisState(String url, String prefix) {
        return policy -> new RedisKeyState(url, null, prefix, null, policy, Duration.ofMillis(200));
    }

    /** {@code n} proxies over {@code initial}, sharing state and the first proxy's upstream. */
    void startProxies(int n, AccountsState initial) throws Exception {
        for (int i = 0; i < n; i++) {
            Path own = Files.createDirectories(dir.resolve("proxy" + i));
            var upstream = proxies.isEmpty() ? null : proxies.get(0).upstream.base();
            proxies.add(ProxyHarness.shared(own, c -> upstream == null ? c : c.withUpstream(upstream),
                    redisState(redis.url(), prefix), initial));
        }
        for (ProxyHarness p : proxies) {
            assertThat(eventually(() -> p.proxy().sharedStatus().connected())).isTrue();
        }
    }

    FakeUpstream upstream() {
        return proxies.get(0).upstream;
    }

    @Test
    void aRateLimitSeenByOneProxyIsAvoidedByTheOthers() throws Exception {
        startProxies(3, ProxyHarness.stateWith(KEY_A, KEY_B));
        upstream().then(KEY_A, FakeUpstream.error(429, "rate_limit_error", "slow down", "retry-after", "600"))
                .always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());

        assertThat(proxies.get(0).postMessage().statusCode()).isEqualTo(200);
        assertThat(upstream().keysTried()).containsExactly(KEY_A, KEY_B);
        RedisKeyState probe = new RedisKeyState(redis.url(), null, prefix, null,
                proxies.get(0).policy, Duration.ofSeconds(1));
        try (probe) {
            String hashA = probe.hashOf(KEY_A);
            assertThat(eventually(() -> !"0".equals(redis.commands().hget(hashA, "rl"))
                    && redis.commands().hget(hashA, "rl") != null)).isTrue();
        }

        for (ProxyHarness p : proxies.subList(1, 3)) {
            assertThat(p.postMessage().statusCode()).isEqualTo(200);
        }
        assertThat(upstream().keysTried()).containsExactly(KEY_A, KEY_B, KEY_B, KEY_B);

        // The same request through a proxy that does not share the state would have used the limited key.
        try (ProxyHarness alone = ProxyHarness.start(Files.createDirectories(dir.resolve("alone")),
                c -> c.withUpstream(upstream().base()), KEY_A, KEY_B)) {
            assertThat(alone.postMessage().statusCode()).isEqualTo(200);
            assertThat(upstream().keysTried()).last().isEqualTo(KEY_A);
        }

        HttpResponse<String> status = proxies.get(2).send(proxies.get(2).request("/_kimi/status").GET());
        JsonNode doc = JSON.readTree(status.body());
        assertThat(doc.path("keys").get(0).path("state").asText()).isEqualTo("limited");
        assertThat(doc.path("keys").get(0).path("reason").asText()).isEqualTo("rate limited");
        assertThat(doc.path("state").path("backend").asText()).isEqualTo("redis");
        assertThat(doc.path("state").path("connected").asBoolean()).isTrue();
        assertThat(proxies.get(2).send(proxies.get(2).request("/_kimi/metrics").GET()).body())
                .containsPattern("(?m)^kimi_state_connected\\{backend=\"redis\"} 1");
        // Proxy 2 saw no 429 itself; its accounts file still gets the shared view, for the seed and the CLI.
        assertThat(eventually(() -> proxies.get(1).stored(KEY_A).limitedUntil() > ProxyHarness.START.toEpochMilli()))
                .isTrue();
        assertNoRawKeyInRedis();

        // Clear limits in one proxy's dashboard: cleared for every proxy.
        ProxyHarness third = proxies.get(2);
        HttpResponse<String> cleared = third.send(third.request("/_kimi/api/keys/0/clear-limits")
                .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        for (ProxyHarness p : proxies) {
            assertThat(eventually(() -> !p.account(KEY_A).isLimited(ProxyHarness.START.toEpochMilli()))).isTrue();
        }
    }

    @Test
    void aPasswordFromTheUrlOrTheEnvironmentIsUsedAndNeverShown() throws Exception {
        String password = "s3cret-redis-password";
        redis.commands().configSet("requirepass", password);
        try {
            HealthPolicy policy = new HealthPolicy(new MutableClock(ProxyHarness.START));
            try (RedisKeyState inUrl = new RedisKeyState("redis://:" + password + "@127.0.0.1:" + redis.port, null,
                    prefix, null, policy, Duration.ofSeconds(1));
                    RedisKeyState fromVariable = new RedisKeyState(redis.url(), password, prefix, null, policy,
                            Duration.ofSeconds(1));
                    RedisKeyState without = new RedisKeyState(redis.url(), null, prefix, null, policy,
                            Duration.ofSeconds(1))) {
                assertThat(inUrl.status().connected()).isTrue();
                assertThat(fromVariable.status().connected()).isTrue();
                assertThat(without.status().connected()).isFalse();
                var failure = org.assertj.core.api.Assertions.catchThrowable(() -> without.sync(AccountsState.empty()));
                assertThat(failure).hasMessageStartingWith("shared state on redis 127.0.0.1:" + redis.port);
                assertThat(RedisKeyState.redacted("redis://:" + password + "@127.0.0.1:1/2"))
                        .isEqualTo("redis://***@127.0.0.1:1/2");
            }
        } finally {
            redis.commands().auth(password);
            redis.commands().configSet("requirepass", "");
        }
    }

    @Test
    void roundRobinIsFairOverAllProxiesTogether() throws Exception {
        startProxies(3, ProxyHarness.stateWith(KEY_A, KEY_B, KEY_C).withStrategy("round-robin"));
        for (String k : List.of(KEY_A, KEY_B, KEY_C)) {
            upstream().always(k, FakeUpstream.message());
        }
        postToAllProxiesAllAnswered(300, 6);
        Map<String, Integer> share = new HashMap<>();
        upstream().keysTried().forEach(k -> share.merge(k, 1, Integer::sum));
        assertThat(share.keySet()).containsExactlyInAnyOrder(KEY_A, KEY_B, KEY_C);
        assertThat(share.values()).allSatisfy(n -> assertThat(n).isBetween(99, 101));
    }

    /**
     * With {@code session-affinity}, one session goes to one key whichever proxy it reaches: the proxies share
     * the session table (a hash of the session, a key's fingerprint), and a session one proxy moves (its key
     * failed there) follows on the other. Without the shared table the second proxy would send a session it
     * has not seen to its least busy key.
     */
    @Test
    void oneSessionGoesToOneKeyWhicheverProxyItReaches() throws Exception {
        startProxies(2, ProxyHarness.stateWith(KEY_A, KEY_B).withStrategy("session-affinity"));
        upstream().always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());
        ProxyHarness first = proxies.get(0);
        ProxyHarness second = proxies.get(1);
        // Least busy (fewest today, then lowest index): s1 -> A, s2 -> B, s3 -> A.
        for (String session : List.of("s1", "s2", "s3")) {
            assertThat(postInSession(first, session)).isEqualTo(200);
        }
        assertThat(upstream().keysTried()).containsExactly(KEY_A, KEY_B, KEY_A);
        // The second proxy sees today's counts (A 2, B 1): its own choice for a new session would be B.
        assertThat(eventually(() -> second.account(KEY_A).dailyRequests().values().stream().mapToLong(n -> n).sum() == 2
                && second.account(KEY_B).dailyRequests().values().stream().mapToLong(n -> n).sum() == 1)).isTrue();
        for (String session : List.of("s3", "s2", "s1")) {
            assertThat(postInSession(second, session)).isEqualTo(200);
        }
        assertThat(upstream().keysTried()).containsExactly(KEY_A, KEY_B, KEY_A, KEY_A, KEY_B, KEY_A);

        // s3's key fails once on the second proxy, which retries on B: the session now lives on B for both.
        upstream().then(KEY_A, FakeUpstream.error(500, "api_error", "overloaded"));
        assertThat(postInSession(second, "s3")).isEqualTo(200);
        assertThat(upstream().keysTried()).endsWith(KEY_A, KEY_B);
        assertThat(eventually(() -> {
            try {
                int before = upstream().keysTried().size();
                return postInSession(first, "s3") == 200 && upstream().keysTried().size() == before + 1
                        && upstream().keysTried().get(before).equals(KEY_B);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).isTrue();
        // A session no proxy has seen still goes to the least busy key.
        assertThat(postInSession(second, "s4")).isEqualTo(200);

        // Redis holds hashes of the sessions, never the ids themselves, and no key.
        List<String> entries = redis.commands().keys(prefix + "session:*");
        assertThat(entries).hasSize(4);
        assertThat(entries).allMatch(e -> e.matches(java.util.regex.Pattern.quote(prefix) + "session:[0-9a-f]{64}"));
        RedisKeyState names = new RedisKeyState(redis.url(), null, prefix, null, first.policy, Duration.ofSeconds(1));
        try (names) {
            assertThat(redis.commands().get(entries.get(0))).isIn(names.fingerprint(KEY_A), names.fingerprint(KEY_B));
            long ttl = redis.commands().pttl(entries.get(0));
            assertThat(ttl).isBetween(Duration.ofMinutes(59).toMillis(), Duration.ofHours(1).toMillis());
        }
        assertNoRawKeyInRedis();
    }

    /**
     * A proxy that only followed the session table (its copy said A) does not undo a move another proxy made
     * meanwhile (the table says B now); a proxy that moved the session itself, or a new session, is written.
     */
    @Test
    void followingAnOldCopyOfTheSessionTableDoesNotUndoAMove() throws Exception {
        String script = script("session.lua");
        RedisCommands<String, String> r = redis.commands();
        String entry = prefix + "session:h";
        r.set(entry, "fp-b");
        Function<String[], List<Long>> remember = args -> r.eval(script, io.lettuce.core.ScriptOutputType.MULTI,
                new String[] {entry}, args);

        assertThat(remember.apply(new String[] {"fp-a", "3600000", prefix + "events", "s p1 h", "fp-a"}))
                .containsExactly(0L);
        assertThat(r.get(entry)).isEqualTo("fp-b");
        assertThat(remember.apply(new String[] {"fp-b", "3600000", prefix + "events", "s p1 h", "fp-b"}))
                .containsExactly(1L);
        assertThat(r.pttl(entry)).isPositive();
        assertThat(remember.apply(new String[] {"fp-a", "3600000", prefix + "events", "s p1 h", ""}))
                .containsExactly(1L);
        assertThat(r.get(entry)).isEqualTo("fp-a");
    }

    private static int postInSession(ProxyHarness p, String session) throws Exception {
        return p.send(p.request("/v1/messages").header("content-type", "application/json")
                .header("x-session-id", session)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(ProxyHarness.MESSAGE_REQUEST))).statusCode();
    }

    /**
     * A Redis that answers but refuses the proxy's updates (here a replica: READONLY; also an ACL or scripting
     * turned off) is told once in the log however often the writer tries again (PING still answers, so it must not
     * pass for "connected" in between), the proxy serves from its local state meanwhile, and the events reach
     * Redis once it takes them again.
     */
    @Test
    void aRedisThatRefusesUpdatesIsToldOnceAndGetsTheEventsWhenItTakesThemAgain() throws Exception {
        startProxies(1, ProxyHarness.stateWith(KEY_A, KEY_B));
        ProxyHarness p = proxies.get(0);
        upstream().always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());
        int nobody;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = socket.getLocalPort();
        }
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            // A replica of a master that is not there: it keeps its data and answers reads, but refuses writes.
            redis.commands().replicaof("127.0.0.1", nobody);
            long refusedBefore = errorReplies();
            for (int i = 0; i < 5; i++) {
                assertThat(p.postMessage().statusCode()).isEqualTo(200);
            }
            assertThat(eventually(() -> !p.proxy().sharedStatus().connected())).isTrue();
            // The writer has tried again several times (each refusal is an error reply in Redis's statistics).
            assertThat(eventually(() -> errorReplies() >= refusedBefore + 4)).isTrue();
            assertThat(p.proxy().sharedStatus().connected()).isFalse();
            for (int i = 0; i < 5; i++) {
                assertThat(p.postMessage().statusCode()).isEqualTo(200);
            }

            redis.commands().replicaofNoOne();
            assertThat(eventually(() -> p.proxy().sharedStatus().connected())).isTrue();
        } finally {
            System.setErr(original);
            redis.commands().replicaofNoOne();
        }
        original.print(log);
        String text = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text.split("refuses the proxy's updates", -1)).as(text).hasSize(2);
        assertThat(text).contains("READONLY").doesNotContain("unreachable");
        assertThat(text.split(": connected", -1)).as(text).hasSize(2);
        RedisKeyState names = new RedisKeyState(redis.url(), null, prefix, null, p.policy, Duration.ofSeconds(1));
        try (names) {
            // All ten requests, those served while Redis refused included, are in the shared counters.
            assertThat(eventually(() -> requests(names, KEY_A) + requests(names, KEY_B) == 10)).isTrue();
        }
    }

    /** Error replies Redis has sent since it started ({@code INFO stats}). */
    static long errorReplies() {
        for (String line : redis.commands().info("stats").split("\r?\n")) {
            if (line.startsWith("total_error_replies:")) {
                return Long.parseLong(line.substring("total_error_replies:".length()).trim());
            }
        }
        throw new AssertionError("no total_error_replies in INFO stats");
    }

    static long requests(RedisKeyState names, String key) {
        String count = redis.commands().hget(names.hashOf(key), "tr");
        return count == null ? 0 : Long.parseLong(count);
    }

    /**
     * {@code serve --state} while Redis is down: the proxy starts, answers from its local state, says so once in
     * the log and in {@code /_kimi/status}, and joins when Redis appears, sending what it learnt meanwhile.
     */
    @Test
    void aProxyStartedWhileRedisIsDownServesAndJoinsWhenRedisAppears() throws Exception {
        try (RedisFixture late = RedisFixture.notStartedYet()) {
            java.io.PrintStream original = System.err;
            java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
            ProxyHarness p;
            java.time.Instant downSince;
            try {
                p = ProxyHarness.shared(Files.createDirectories(dir.resolve("late")), c -> c,
                        redisState(late.url(), prefix), ProxyHarness.stateWith(KEY_A, KEY_B));
                proxies.add(p);
                p.upstream.always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());
                for (int i = 0; i < 3; i++) {
                    assertThat(p.postMessage().statusCode()).isEqualTo(200);
                }
                JsonNode down = JSON.readTree(p.send(p.request("/_kimi/status").GET()).body()).path("state");
                assertThat(down.path("backend").asText()).isEqualTo("redis");
                assertThat(down.path("connected").asBoolean(true)).isFalse();
                downSince = java.time.Instant.parse(down.path("since").asText());
                assertThat(eventually(() -> log.toString(java.nio.charset.StandardCharsets.UTF_8)
                        .contains("unreachable"))).isTrue();

                late.restart();
                assertThat(eventually(() -> p.proxy().sharedStatus().connected())).isTrue();
            } finally {
                System.setErr(original);
            }
            original.print(log);
            // Told once, however many times the proxy tried meanwhile (every 250 ms while Redis started).
            assertThat(log.toString(java.nio.charset.StandardCharsets.UTF_8).split("unreachable", -1)).hasSize(2);
            JsonNode up = JSON.readTree(p.send(p.request("/_kimi/status").GET()).body()).path("state");
            assertThat(up.path("connected").asBoolean()).isTrue();
            assertThat(java.time.Instant.parse(up.path("since").asText())).isAfterOrEqualTo(downSince);
            RedisKeyState names = new RedisKeyState(late.url(), null, prefix, null, p.policy, Duration.ofSeconds(1));
            try (names) {
                // The three requests served while Redis was away are in the shared counters now.
                assertThat(eventually(() -> "3".equals(late.commands().hget(names.hashOf(KEY_A), "tr")))).isTrue();
            }
        }
    }

    /**
     * Events go without the key's seed once Redis has the key; if Redis loses it (restarted empty, flushed) while
     * the proxy stays connected, the event script refuses the bare event and the proxy sends it again with the
     * seed, so the key's history (here 40 earlier requests) is not restarted from zero.
     */
    @Test
    void aKeyRedisLostIsSeededAgainFromTheProxysState() throws Exception {
        startProxies(1, ProxyHarness.stateWith(KEY_A).withAccount(0,
                a -> a.toBuilder().totalRequests(40).successfulRequests(40).build()));
        upstream().always(KEY_A, FakeUpstream.message());
        ProxyHarness p = proxies.get(0);
        RedisKeyState names = new RedisKeyState(redis.url(), null, prefix, null, p.policy, Duration.ofSeconds(1));
        try (names) {
            String hash = names.hashOf(KEY_A);
            for (int i = 0; i < 2; i++) {
                assertThat(p.postMessage().statusCode()).isEqualTo(200);
                int expected = 41 + i;
                assertThat(eventually(() -> Integer.toString(expected).equals(redis.commands().hget(hash, "tr"))))
                        .isTrue();
            }
            redis.commands().del(hash, prefix + "applied");
            assertThat(p.postMessage().statusCode()).isEqualTo(200);
            assertThat(eventually(() -> "43".equals(redis.commands().hget(hash, "tr")))).isTrue();
            assertThat(redis.commands().hget(hash, "sr")).isEqualTo("43");
        }
    }

    @Test
    void concurrentRequestsOverAllProxiesGiveExactSharedCounters() throws Exception {
        startProxies(3, ProxyHarness.stateWith(KEY_A, KEY_B).withStrategy("round-robin"));
        upstream().always(KEY_A, FakeUpstream.message()).always(KEY_B, FakeUpstream.message());
        int total = 1000;
        postToAllProxiesAllAnswered(total, 16);
        RedisKeyState probe = new RedisKeyState(redis.url(), null, prefix, null, proxies.get(0).policy,
                Duration.ofSeconds(1));
        try (probe) {
            RedisCommands<String, String> r = redis.commands();
            assertThat(eventually(() -> sum(r, probe, "tr") == total)).as("total in Redis").isTrue();
            assertThat(sum(r, probe, "sr")).isEqualTo(total);
            Map<String, Long> sentPerKey = new HashMap<>();
            upstream().keysTried().forEach(k -> sentPerKey.merge(k, 1L, Long::sum));
            for (String k : List.of(KEY_A, KEY_B)) {
                assertThat(Long.parseLong(r.hget(probe.hashOf(k), "tr"))).as(k).isEqualTo(sentPerKey.get(k));
            }
            String today = "d:" + ProxyHarness.START.toString().substring(0, 10);
            assertThat(Long.parseLong(r.hget(probe.hashOf(KEY_A), today))
                    + Long.parseLong(r.hget(probe.hashOf(KEY_B), today))).isEqualTo(total);
            // Token counts add too: each answer reports 3 input and 1 output tokens.
            String day = ProxyHarness.START.toString().substring(0, 10);
            assertThat(eventually(() -> sum(r, probe, "ti:" + day) == 3L * total)).as("input tokens").isTrue();
            assertThat(sum(r, probe, "to:" + day)).isEqualTo(total);
            // Every proxy's view shows the shared totals once its cached read has expired.
            for (ProxyHarness p : proxies) {
                assertThat(eventually(() -> p.account(KEY_A).totalRequests() + p.account(KEY_B).totalRequests()
                        == total)).isTrue();
                assertThat(eventually(() -> p.account(KEY_A).tokensOn(day).total() + p.account(KEY_B).tokensOn(day)
                        .total() == 4L * total)).isTrue();
            }
        }
        assertNoRawKeyInRedis();
    }

    private static long sum(RedisCommands<String, String> r, RedisKeyState probe, String field) {
        long n = 0;
        for (String k : List.of(KEY_A, KEY_B)) {
            String v = r.hget(probe.hashOf(k), field);
            n += v == null ? 0 : Long.parseLong(v);
        }
        return n;
    }

    /**
     * In a Redis holding none of a proxy's events (new, or restarted empty) the event script starts that proxy's
     * chain only right after the base it sends (its last acknowledged event). An event that overtakes the first
     * of its batch (the first ones waiting for the script text while another proxy loaded it) is refused, so
     * the ones it overtook are not later taken as applied and lost: a rate limit learnt while Redis was away
     * once vanished that way.
     */
    @Test
    void theEventScriptRefusesAnEventThatOvertookEarlierOnesInAnEmptyRedis() throws Exception {
        String script = script("event.lua");
        RedisCommands<String, String> r = redis.commands();
        String hash = prefix + "key:fp";
        String[] keys = {prefix + "applied", hash};
        // A batch of one success: the proxy, no announcement, base 10, the rules' numbers, then the event.
        Function<Integer, List<Long>> event = seq -> r.eval(script, io.lettuce.core.ScriptOutputType.MULTI, keys,
                "proxy-1", "", "10", "1", "10", "20", "30", "40", "5", "1",
                "13", "2", Integer.toString(seq), "S", "1000", "0", "", "rate_limited", "0", "0", "2026-01-01",
                "2025-12-01", "0", "");

        assertThat(event.apply(13)).containsExactly(-1L, 10L);
        assertThat(r.exists(hash, prefix + "applied")).isZero();
        assertThat(event.apply(11)).containsExactly(1L, 11L);
        assertThat(event.apply(13)).containsExactly(-1L, 11L);
        assertThat(event.apply(12)).containsExactly(1L, 12L);
        assertThat(event.apply(13)).containsExactly(1L, 13L);
        assertThat(event.apply(12)).containsExactly(0L, 13L);
        assertThat(r.hget(hash, "tr")).isEqualTo("3");
    }

    /**
     * Redis restored from an older snapshot (or a replica that lagged behind) holds fewer of a proxy's events than
     * it had confirmed, and the proxy's journal no longer holds them (it drops events once a read showed them in
     * Redis): the proxy's next events are applied, not refused for ever while it asks for the lost ones again.
     */
    @Test
    void eventsRedisLostAfterTheJournalDroppedThemDoNotHoldBackTheNextOnes() throws Exception {
        HealthPolicy policy = new HealthPolicy(java.time.Clock.systemUTC());
        AccountsState local = ProxyHarness.stateWith(KEY_A);
        try (RedisKeyState state = new RedisKeyState(redis.url(), null, prefix, null, policy, Duration.ofSeconds(2))) {
            assertThat(eventually(() -> state.status().connected())).isTrue();
            for (int i = 0; i < 3; i++) {
                state.record(local, KEY_A, new io.github.kimirotator.api.HealthEvent.Success(5),
                        java.time.Instant.now());
            }
            assertThat(eventually(state::written)).isTrue();
            // A read that shows them in Redis: the journal drops them.
            state.sync(local);
            assertThat(requests(state, KEY_A)).isEqualTo(3);
            Map<String, String> applied = redis.commands().hgetall(prefix + "applied");
            assertThat(applied).hasSize(1);
            String proxy = applied.keySet().iterator().next();
            // Redis as restored from a snapshot taken after the first event.
            redis.commands().hset(prefix + "applied", proxy, "1");

            state.record(local, KEY_A, new io.github.kimirotator.api.HealthEvent.Failure("connection reset"),
                    java.time.Instant.now());

            assertThat(eventually(() -> state.written() && requests(state, KEY_A) == 4)).isTrue();
            assertThat(redis.commands().hget(prefix + "applied", proxy)).isEqualTo(Long.toString(state.lastSeq()));
        }
    }

    /**
     * A selection never waits for Redis on a thread: when the cached view is fresh (just read, nothing announced)
     * the backend's answer is complete at once, so the request goes on where it is; a round-robin turn is an answer
     * to come, the counter's next number.
     */
    @Test
    void aSelectionWithAFreshViewGoesOnAtOnceAndATurnComesAsAnAnswer() throws Exception {
        HealthPolicy policy = new HealthPolicy(java.time.Clock.systemUTC());
        AccountsState local = ProxyHarness.stateWith(KEY_A, KEY_B);
        try (RedisKeyState state = new RedisKeyState(redis.url(), null, prefix, null, policy, Duration.ofSeconds(2))) {
            assertThat(eventually(() -> state.status().connected())).isTrue();
            boolean atOnce = false;
            // A view stays fresh for 250 ms: on a very busy machine the read itself may take longer, so a few tries.
            for (int i = 0; i < 20 && !atOnce; i++) {
                state.sync(local);
                atOnce = state.refresh(local, false, java.util.Optional.empty()).toCompletableFuture().isDone();
            }
            assertThat(atOnce).isTrue();

            String counter = redis.commands().get(prefix + "rr");
            long last = counter == null ? 0 : Long.parseLong(counter);
            KeyStateBackend.Shared turn = state.refresh(local, true, java.util.Optional.empty()).toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(turn.turn()).hasValue(last + 1);
        }
    }

    /**
     * The event script reads each key's hash once per batch and writes it once at the end: a batch of many events
     * must leave the hash as the same events sent one by one do (successes, tokens, a limit and its reason, a day
     * change that prunes old days, a failure).
     */
    @Test
    void aBatchOfEventsLeavesTheStateThatTheEventsOneByOneLeave() throws Exception {
        String script = script("event.lua");
        RedisCommands<String, String> r = redis.commands();
        List<List<String>> events = List.of(
                eventFields(1, "S", 1_000, 0, "", "2026-01-01", "2025-12-02", ""),
                eventFields(2, "T", 1_001, 0, "", "2026-01-01", "2025-12-02", "10 20 30 40"),
                eventFields(3, "S", 1_002, 0, "", "2026-01-01", "2025-12-02", ""),
                eventFields(4, "T", 1_003, 0, "", "2026-01-01", "2025-12-02", "1 2 3 4"),
                eventFields(5, "R", 1_004, 60_000, "rate_limited", "2026-01-01", "2025-12-02", ""),
                eventFields(6, "F", 1_005, 0, "", "2026-01-01", "2025-12-02", ""),
                eventFields(7, "S", 90_000_000_000L, 0, "", "2028-11-06", "2028-10-07", ""),
                eventFields(8, "T", 90_000_000_001L, 0, "", "2028-11-06", "2028-10-07", "5 6 7 8"),
                eventFields(9, "S", 90_000_000_002L, 0, "", "2028-11-06", "2028-10-07", ""));
        String together = prefix + "together:";
        List<String> all = new ArrayList<>(batchHead("0"));
        events.forEach(all::addAll);
        List<Long> answers = r.eval(script, io.lettuce.core.ScriptOutputType.MULTI,
                new String[] {together + "applied", together + "key:fp"}, all.toArray(String[]::new));
        assertThat(answers).hasSize(2 * events.size()).doesNotContain(-1L, -2L);
        String apart = prefix + "apart:";
        for (int i = 0; i < events.size(); i++) {
            List<String> one = new ArrayList<>(batchHead(Integer.toString(i)));
            one.addAll(events.get(i));
            List<Long> answer = r.eval(script, io.lettuce.core.ScriptOutputType.MULTI,
                    new String[] {apart + "applied", apart + "key:fp"}, one.toArray(String[]::new));
            assertThat(answer).containsExactly(1L, (long) i + 1);
        }
        Map<String, String> state = r.hgetall(together + "key:fp");
        assertThat(state).isEqualTo(r.hgetall(apart + "key:fp"))
                .containsEntry("tr", "6").containsEntry("sr", "4").containsEntry("rsn", "rate_limited")
                .containsEntry("d:2028-11-06", "2").containsEntry("ti:2028-11-06", "5")
                .doesNotContainKey("d:2026-01-01").doesNotContainKey("ti:2026-01-01");
    }

    /** The head of an event batch: the proxy, no announcement, its base, the rules' numbers. */
    private static List<String> batchHead(String base) {
        return List.of("proxy-1", "", base, "2", "10", "20", "30", "40", "5", "10");
    }

    /** One event of key 2 (KEYS[2]) for the event script, without a seed. */
    private static List<String> eventFields(long seq, String kind, long now, long until, String reason, String today,
            String oldest, String tokens) {
        return List.of("13", "2", Long.toString(seq), kind, Long.toString(now), Long.toString(until), reason,
                "rate_limited", "0", "0", today, oldest, "60000", tokens);
    }

    /** The text of one of the shared state's Lua scripts. */
    private static String script(String name) throws java.io.IOException {
        try (var in = RedisKeyState.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Every key name, field and value in Redis, whatever its type: none holds a key or part of one. */
    static void assertNoRawKeyInRedis() {
        RedisCommands<String, String> r = redis.commands();
        List<String> everything = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = r.scan(cursor, ScanArgs.Builder.limit(500));
            for (String name : page.getKeys()) {
                everything.add(name);
                switch (r.type(name)) {
                    case "hash" -> r.hgetall(name).forEach((f, v) -> {
                        everything.add(f);
                        everything.add(v);
                    });
                    case "string" -> everything.add(r.get(name));
                    case "list" -> everything.addAll(r.lrange(name, 0, -1));
                    case "set" -> everything.addAll(r.smembers(name));
                    default -> everything.add("unexpected type of " + name);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        assertThat(everything).isNotEmpty();
        assertThat(everything).noneMatch(s -> s.contains("sk-kimi") || s.contains("aaaaaaaaaaaa")
                || s.contains("bbbbbbbbbbbb") || s.contains("cccccccccccc") || s.startsWith("unexpected"));
    }

    /** Sends {@code count} messages over {@code threads} clients, to the proxies in turn; each is answered 200. */
    private void postToAllProxiesAllAnswered(int count, int threads) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ProxyHarness p = proxies.get(i % proxies.size());
                answers.add(clients.submit(() -> p.postMessage().statusCode()));
            }
            for (Future<Integer> a : answers) {
                assertThat(a.get()).isEqualTo(200);
            }
        } finally {
            clients.shutdownNow();
        }
    }
}
