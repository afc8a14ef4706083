package io.github.kimirotator.proxy;

import static io.github.kimirotator.proxy.ProxyHarness.KEY_A;
import static io.github.kimirotator.proxy.ProxyHarness.KEY_B;
import static io.github.kimirotator.proxy.ProxyHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.Account;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract sections 3 and 4, row by row: key A misbehaves in one way, key B works. What the client gets,
 * which keys were tried, and what A looks like afterwards.
 */
class TestFaultMatrix {
    private static final long NOW = START.toEpochMilli();
    private static final long NEXT_UTC_MIDNIGHT = Instant.parse("2026-03-11T00:00:00Z").toEpochMilli();
    private static final String HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME
            .format(START.plusSeconds(120).atZone(ZoneOffset.UTC));

    @TempDir
    Path dir;

    /** What key A should look like after the row. */
    record After(int health, long rateLimitedUntil, long billingLimitedUntil, boolean disabled) {
        static After failure() {
            return new After(80, 0, 0, false);
        }

        String state() {
            if (disabled) {
                return "disabled";
            }
            return rateLimitedUntil > NOW || billingLimitedUntil > NOW ? "limited" : "active";
        }
    }

    static Stream<Arguments> keyProblems() {
        return Stream.of(
                row("429 with Retry-After seconds", h -> FakeUpstream.error(429, "rate_limit_error", "slow down",
                        "retry-after", "30"), new After(85, NOW + 30_000, 0, false)),
                row("429 with Retry-After HTTP-date", h -> FakeUpstream.error(429, "rate_limit_error", "slow down",
                        "retry-after", HTTP_DATE), new After(85, NOW + 120_000, 0, false)),
                row("429 without Retry-After", h -> FakeUpstream.error(429, "rate_limit_error", "slow down"),
                        new After(85, NOW + 60_000, 0, false)),
                row("hard billing refusal", h -> FakeUpstream.error(403, "permission_error",
                        "You've reached your usage limit for this billing cycle."),
                        new After(70, 0, NEXT_UTC_MIDNIGHT, false)),
                row("soft billing refusal, first hit", h -> FakeUpstream.error(402, "billing_error",
                        "Insufficient credits"), new After(85, NOW + 60_000, 0, false)),
                row("membership refusal", h -> FakeUpstream.error(400, "invalid_request_error",
                        "We're unable to verify your membership benefits at this time."),
                        new After(75, 0, NOW + Duration.ofHours(24).toMillis(), false)),
                row("401", h -> FakeUpstream.error(401, "authentication_error", "invalid x-api-key"),
                        new After(80, 0, 0, true)),
                row("403", h -> FakeUpstream.error(403, "permission_error", "forbidden"),
                        new After(80, 0, 0, true)),
                row("500", h -> FakeUpstream.error(500, "api_error", "internal"), After.failure()),
                row("503", h -> FakeUpstream.error(503, "overloaded_error", "overloaded"), After.failure()),
                row("reset before headers", h -> FakeUpstream.reset(), After.failure()),
                row("malformed response", h -> FakeUpstream.malformed(), After.failure()),
                row("hang past the attempt deadline", h -> h.upstream.hang(), After.failure()));
    }

    private static Arguments row(String name, Function<ProxyHarness, FakeUpstream.Behavior> behavior, After after) {
        return Arguments.of(name, behavior, after);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyProblems")
    void keyProblemMovesToTheNextKeyAndIsRecorded(String name, Function<ProxyHarness, FakeUpstream.Behavior> behavior,
            After after) throws Exception {
        // Only the hanging row needs a short attempt deadline; elsewhere a slow, loaded machine must not turn
        // the row's answer into a timeout.
        Duration attemptTimeout = name.startsWith("hang") ? Duration.ofSeconds(1) : Duration.ofSeconds(15);
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withAttemptTimeout(attemptTimeout), KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, behavior.apply(h));
            h.upstream.always(KEY_B, FakeUpstream.message());

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(FakeUpstream.MESSAGE_JSON);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
            Account a = h.account(KEY_A);
            assertThat(a.healthScore()).as("health").isEqualTo(after.health());
            assertThat(a.rateLimitResetTime()).as("rate limit").isEqualTo(after.rateLimitedUntil());
            assertThat(a.billingLimitResetTime()).as("billing limit").isEqualTo(after.billingLimitedUntil());
            assertThat(a.disabled()).as("disabled").isEqualTo(after.disabled());
            assertThat(a.totalRequests()).isEqualTo(1);
            assertThat(a.successfulRequests()).isZero();
            Account b = h.account(KEY_B);
            assertThat(b.successfulRequests()).isEqualTo(1);
            assertThat(h.proxy().status().keys().get(0).state()).isEqualTo(after.state());
        }
    }

    @Test
    void secondSoftBillingHitLimitsTheKeyUntilMidnight() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(402, "billing_error", "Insufficient credits"));
            h.upstream.always(KEY_B, FakeUpstream.message());

            assertThat(h.postMessage().statusCode()).isEqualTo(200);
            h.clock.advance(Duration.ofSeconds(61));
            assertThat(h.postMessage().statusCode()).isEqualTo(200);

            Account a = h.account(KEY_A);
            assertThat(a.consecutiveBillingLimitHits()).isEqualTo(2);
            assertThat(a.billingLimitResetTime()).isEqualTo(NEXT_UTC_MIDNIGHT);
            assertThat(a.healthScore()).isEqualTo(100 - 15 - 30);
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B, KEY_A, KEY_B);
        }
    }

    @Test
    void whenEveryKeyFailsTheLastUpstreamAnswerIsReturnedAsItIs() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(429, "rate_limit_error", "A is slow", "retry-after", "30"));
            h.upstream.always(KEY_B, FakeUpstream.error(429, "rate_limit_error", "B is slow", "retry-after", "45",
                    "request-id", "req_b"));

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.body()).contains("B is slow");
            assertThat(r.headers().firstValue("retry-after")).hasValue("45");
            assertThat(r.headers().firstValue("request-id")).hasValue("req_b");
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
            assertThat(h.account(KEY_A).rateLimitResetTime()).isEqualTo(NOW + 30_000);
            assertThat(h.account(KEY_B).rateLimitResetTime()).isEqualTo(NOW + 45_000);
        }
    }

    @Test
    void connectionRefusedTriesEveryKeyOnceThenAnswers502() throws Exception {
        FakeUpstream closed = new FakeUpstream();
        java.net.URI deadUpstream = closed.base();
        closed.close();
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withUpstream(deadUpstream), KEY_A, KEY_B)) {
            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).contains("\"api_error\"").contains("could not be reached")
                    .doesNotContain(KEY_A).doesNotContain(KEY_B);
            for (String key : List.of(KEY_A, KEY_B)) {
                assertThat(h.account(key).healthScore()).isEqualTo(80);
                assertThat(h.account(key).totalRequests()).isEqualTo(1);
            }
        }
    }

    @Test
    void hangingKeyWithoutAttemptTimeoutUsesTheWholeFailoverTimeThen504() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, c -> c.withFailoverTimeout(Duration.ofSeconds(1)), KEY_A,
                KEY_B)) {
            h.upstream.always(KEY_A, h.upstream.hang());
            h.upstream.always(KEY_B, FakeUpstream.message());

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("\"api_error\"").contains("did not answer in time");
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A);
            assertThat(h.account(KEY_A).healthScore()).isEqualTo(80);
            assertThat(h.account(KEY_B).totalRequests()).isZero();
        }
    }

    @Test
    void eachKeyIsTriedAtMostOncePerRequest() throws Exception {
        try (ProxyHarness h = ProxyHarness.start(dir, KEY_A, KEY_B)) {
            h.upstream.always(KEY_A, FakeUpstream.error(500, "api_error", "A down"));
            h.upstream.always(KEY_B, FakeUpstream.error(500, "api_error", "B down"));

            HttpResponse<String> r = h.postMessage();

            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("B down");
            assertThat(h.upstream.keysTried()).containsExactly(KEY_A, KEY_B);
        }
    }
}
