package io.github.kimirotator.strategies.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kimirotator.api.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The classification of section 4: membership, hard billing, soft billing, then the status. */
class TestResponseClassifier {
    private static final Instant NOW = Instant.parse("2026-10-21T07:27:00Z");
    private static final String MEMBERSHIP = "We're unable to verify your membership benefits at this time.";
    private static final String HARD_BILLING = "You've reached your usage limit for this billing cycle.";
    private static final String SOFT_BILLING = "Quota exceeded for this key";

    private static Optional<HealthEvent> classify(int status, String body) {
        return ResponseClassifier.classify(status, body, null, NOW);
    }

    private static String error(String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"" + message + "\"}}";
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 204, 301, 304})
    void successesAndRedirectsSayNothingAboutTheKey(int status) {
        assertThat(classify(status, MEMBERSHIP)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "we're unable to verify your membership benefits at this time",
        "unable to verify your membership benefits",
        "please ensure your membership is active"})
    void membershipPhrases(String phrase) {
        assertThat(classify(403, error(phrase))).contains(new HealthEvent.MembershipRefused());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "you've reached your usage limit for this billing cycle",
        "your quota will be refreshed in the next cycle",
        "https://kimi.com/upgrade?from=quota-upgrade"})
    void hardBillingPhrases(String phrase) {
        assertThat(classify(403, error(phrase))).contains(new HealthEvent.BillingLimit(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"billing limit", "usage limit exceeded", "quota exceeded", "insufficient credits",
        "payment required"})
    void softBillingPhrases(String phrase) {
        assertThat(classify(400, error(phrase))).contains(new HealthEvent.BillingLimit(true));
    }

    @Test
    void phrasesMatchWhateverTheirCase() {
        assertThat(classify(403, MEMBERSHIP.toUpperCase(java.util.Locale.ROOT)))
                .contains(new HealthEvent.MembershipRefused());
        assertThat(classify(400, "YOUR QUOTA WILL BE REFRESHED IN THE NEXT CYCLE"))
                .contains(new HealthEvent.BillingLimit(false));
        assertThat(classify(400, "Insufficient Credits")).contains(new HealthEvent.BillingLimit(true));
    }

    @Test
    void membershipComesBeforeBilling() {
        assertThat(classify(403, HARD_BILLING + " " + SOFT_BILLING + " " + MEMBERSHIP))
                .contains(new HealthEvent.MembershipRefused());
    }

    @Test
    void hardBillingComesBeforeSoftBilling() {
        assertThat(classify(400, SOFT_BILLING + " " + HARD_BILLING)).contains(new HealthEvent.BillingLimit(false));
    }

    @Test
    void phrasesComeBeforeTheStatus() {
        assertThat(classify(429, MEMBERSHIP)).contains(new HealthEvent.MembershipRefused());
        assertThat(classify(401, HARD_BILLING)).contains(new HealthEvent.BillingLimit(false));
        assertThat(classify(429, SOFT_BILLING)).contains(new HealthEvent.BillingLimit(true));
        assertThat(classify(403, SOFT_BILLING)).contains(new HealthEvent.BillingLimit(true));
    }

    @Test
    void aRateLimitCarriesItsRetryAfter() {
        assertThat(ResponseClassifier.classify(429, error("rate limited"), "17", NOW))
                .contains(new HealthEvent.RateLimited(Optional.of(Duration.ofSeconds(17))));
        assertThat(ResponseClassifier.classify(429, null, "soon", NOW))
                .contains(HealthEvent.RateLimited.withoutRetryAfter());
        assertThat(ResponseClassifier.classify(429, "", null, NOW))
                .contains(HealthEvent.RateLimited.withoutRetryAfter());
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void anUnauthorizedOrPlainForbiddenRejectsTheKey(int status) {
        assertThat(classify(status, error("invalid api key"))).contains(new HealthEvent.KeyRejected(status));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 405, 409, 413, 422})
    void aClientErrorNotAboutTheKeyGivesNoEvent(int status) {
        assertThat(classify(status, error("messages: field required"))).isEmpty();
        assertThat(ResponseClassifier.isKeyProblem(status, error("messages: field required"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504, 529})
    void aServerErrorIsAFailureWhateverItsBody(int status) {
        assertThat(classify(status, HARD_BILLING)).hasValueSatisfying(
                e -> assertThat(e).isInstanceOf(HealthEvent.Failure.class));
    }

    @Test
    void aRequestTimeoutIsAFailure() {
        assertThat(classify(408, "")).hasValueSatisfying(e -> assertThat(e).isInstanceOf(HealthEvent.Failure.class));
    }

    @Test
    void keyProblemsAreWhatMovesTheProxyToAnotherKey() {
        assertThat(ResponseClassifier.isKeyProblem(429, "")).isTrue();
        assertThat(ResponseClassifier.isKeyProblem(401, "")).isTrue();
        assertThat(ResponseClassifier.isKeyProblem(400, SOFT_BILLING)).isTrue();
        assertThat(ResponseClassifier.isKeyProblem(503, "")).isTrue();
        assertThat(ResponseClassifier.isKeyProblem(200, HARD_BILLING)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "120, 120", "' 7 ', 7", "86400, 86400", "007, 7"})
    void retryAfterInDeltaSeconds(String header, long seconds) {
        assertThat(ResponseClassifier.parseRetryAfter(header, NOW)).contains(Duration.ofSeconds(seconds));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        assertThat(ResponseClassifier.parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", NOW))
                .contains(Duration.ofSeconds(60));
        assertThat(ResponseClassifier.parseRetryAfter("Thu, 22 Oct 2026 07:27:00 GMT", NOW))
                .contains(Duration.ofDays(1));
    }

    @Test
    void anHttpDateInThePastMeansNow() {
        assertThat(ResponseClassifier.parseRetryAfter("Wed, 21 Oct 2026 07:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "soon", "-5", "+5", "1.5", "12abc", "0x10", "99999999999999999999",
        "2026-10-21T07:28:00Z", "Wed, 32 Oct 2026 07:28:00 GMT"})
    void anAbsentOrUnparsableRetryAfterIsEmpty(String header) {
        assertThat(ResponseClassifier.parseRetryAfter(header, NOW)).isEmpty();
    }
}
