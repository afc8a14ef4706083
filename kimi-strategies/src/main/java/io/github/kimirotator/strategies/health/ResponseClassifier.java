package io.github.kimirotator.strategies.health;

import io.github.kimirotator.api.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns an upstream answer into a {@link HealthEvent} (contract section 4). The body of a 4xx is matched,
 * lowercased, against the seed's phrases in a fixed order: membership, hard billing, soft billing; then the
 * status decides. An answer that is not about the key (2xx, and client errors such as 400, 404, 413, 422)
 * gives no event: it costs no health and is returned to the client as it is.
 */
public final class ResponseClassifier {
    static final List<String> MEMBERSHIP_PHRASES = List.of(
            "we're unable to verify your membership benefits at this time",
            "unable to verify your membership benefits",
            "please ensure your membership is active");
    static final List<String> HARD_BILLING_PHRASES = List.of(
            "you've reached your usage limit for this billing cycle",
            "your quota will be refreshed in the next cycle",
            "from=quota-upgrade");
    static final List<String> SOFT_BILLING_PHRASES = List.of(
            "billing limit",
            "usage limit exceeded",
            "quota exceeded",
            "insufficient credits",
            "payment required");

    private ResponseClassifier() {
    }

    /**
     * The event for an answer with {@code status} and {@code body}; empty when the answer says nothing about
     * the key.
     *
     * @param retryAfter the {@code Retry-After} header, or {@code null}
     * @param now the time the answer arrived, for an HTTP-date {@code Retry-After}
     */
    public static Optional<HealthEvent> classify(int status, String body, String retryAfter, Instant now) {
        if (status >= 200 && status < 400) {
            return Optional.empty();
        }
        if (status >= 400 && status < 500) {
            String text = body == null ? "" : body.toLowerCase(Locale.ROOT);
            if (containsAny(text, MEMBERSHIP_PHRASES)) {
                return Optional.of(new HealthEvent.MembershipRefused());
            }
            if (containsAny(text, HARD_BILLING_PHRASES)) {
                return Optional.of(new HealthEvent.BillingLimit(false));
            }
            if (containsAny(text, SOFT_BILLING_PHRASES)) {
                return Optional.of(new HealthEvent.BillingLimit(true));
            }
            if (status == 429) {
                return Optional.of(new HealthEvent.RateLimited(parseRetryAfter(retryAfter, now)));
            }
            if (status == 401 || status == 403) {
                return Optional.of(new HealthEvent.KeyRejected(status));
            }
            if (status == 408) {
                return Optional.of(new HealthEvent.Failure("upstream timeout (408)"));
            }
            return Optional.empty();
        }
        return Optional.of(new HealthEvent.Failure("upstream status " + status));
    }

    /** Whether an answer with this status and body should make the proxy try another key. */
    public static boolean isKeyProblem(int status, String body) {
        return classify(status, body, null, Instant.EPOCH).isPresent();
    }

    /**
     * {@code Retry-After} as a duration from {@code now}: delta-seconds or an HTTP-date; empty when absent or
     * unparsable. A date in the past gives zero.
     */
    public static Optional<Duration> parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static boolean containsAny(String text, List<String> phrases) {
        for (String p : phrases) {
            if (text.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
