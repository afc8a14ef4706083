package io.github.kimirotator.api;

import java.time.Duration;
import java.util.Optional;

/**
 * What happened to one request made with one key. The health policy turns each event into a change of
 * health, limits and statistics (contract section 4).
 */
public sealed interface HealthEvent {

    /** A 2xx answer that took {@code responseTimeMillis}. */
    record Success(long responseTimeMillis) implements HealthEvent {
        public Success {
            if (responseTimeMillis < 0) {
                throw new IllegalArgumentException("responseTimeMillis < 0");
            }
        }
    }

    /**
     * A 429, or the first soft billing hit. {@code retryAfter} is the upstream's {@code Retry-After} already
     * turned into a duration; empty when absent or unparsable.
     */
    record RateLimited(Optional<Duration> retryAfter) implements HealthEvent {
        public RateLimited {
            retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
        }

        public static RateLimited withoutRetryAfter() {
            return new RateLimited(Optional.empty());
        }
    }

    /**
     * A billing-cycle refusal. {@code soft} is a refusal whose phrase limits the key only on the second
     * consecutive hit; the first soft hit counts as a 429.
     */
    record BillingLimit(boolean soft) implements HealthEvent {
    }

    /** The upstream could not verify the membership behind the key. */
    record MembershipRefused() implements HealthEvent {
    }

    /** A 401, or a 403 that is neither billing nor membership: the key is disabled. */
    record KeyRejected(int status) implements HealthEvent {
    }

    /** A 5xx, a timeout or a connection error. */
    record Failure(String reason) implements HealthEvent {
    }

    /**
     * The tokens an answer reported in its {@code usage}, counted once its body has passed. Not a request of
     * its own: it changes neither health nor the request counts, only the key's tokens of that UTC day.
     */
    record TokensUsed(TokenUsage usage) implements HealthEvent {
        public TokensUsed {
            java.util.Objects.requireNonNull(usage, "usage");
        }
    }
}
