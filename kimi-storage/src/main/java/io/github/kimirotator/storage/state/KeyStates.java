package io.github.kimirotator.storage.state;

import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.time.Duration;
import java.util.Map;

/**
 * Chooses the key-state backend from the configuration: the accounts file alone, or Redis for
 * {@code --state redis://…} / {@code KIMI_ROTATOR_STATE}. Kept apart from the callers so that Lettuce is
 * loaded only when Redis is asked for.
 */
public final class KeyStates {
    public static final String STATE_VARIABLE = "KIMI_ROTATOR_STATE";
    public static final String PASSWORD_VARIABLE = "KIMI_ROTATOR_REDIS_PASSWORD";
    public static final String SECRET_VARIABLE = "KIMI_ROTATOR_STATE_SECRET";
    /** A PEM file of the certificate authorities to trust for {@code rediss://}; else the JVM's default. */
    public static final String CA_VARIABLE = "KIMI_ROTATOR_REDIS_CA";
    public static final String DEFAULT_PREFIX = "kimi-rotator:";
    /** How long a request waits for Redis before going on with what the proxy knows. */
    public static final Duration TIMEOUT = Duration.ofMillis(250);

    private KeyStates() {
    }

    /**
     * The backend for {@code url} (null: the accounts file).
     *
     * @throws io.github.kimirotator.api.KimiException {@code INVALID_ARGUMENT} for a URL that is not Redis's
     */
    public static KeyStateBackend open(String url, String prefix, Map<String, String> variables, HealthPolicy policy) {
        if (url == null || url.isBlank()) {
            return new FileKeyState(policy.clock());
        }
        String ca = variables.get(CA_VARIABLE);
        return new RedisKeyState(url, variables.get(PASSWORD_VARIABLE),
                ca == null || ca.isBlank() ? null : java.nio.file.Path.of(ca), prefix == null ? DEFAULT_PREFIX : prefix,
                variables.get(SECRET_VARIABLE), policy, TIMEOUT);
    }
}
