package io.github.kimirotator.storage.state;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a key is named in a shared store: HMAC-SHA-256 of the key under the team's secret, or SHA-256 of the key
 * without one. Never reversible into the key, so nothing in the store lets anyone call the upstream.
 */
public final class Fingerprints {
    private final byte[] secret;
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    /** Each thread's HMAC, keyed once: sessions are named on every session-affinity request. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /** @param secret the team secret ({@code KIMI_ROTATOR_STATE_SECRET}); null or empty for plain SHA-256 */
    public Fingerprints(String secret) {
        this.secret = secret == null || secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The fingerprint of {@code key}, 64 hex digits. */
    public String of(String key) {
        String fp = cache.get(key);
        if (fp == null) {
            fp = compute(key);
            if (cache.size() < 10_000) {
                cache.put(key, fp);
            }
        }
        return fp;
    }

    /**
     * The name of a client session in a shared store: the same function over {@code "session:" + id}, not kept
     * in memory (there are many sessions), so the store holds no session id either.
     */
    public String ofSession(String id) {
        return compute("session:" + id);
    }

    private String compute(String key) {
        byte[] input = key.getBytes(StandardCharsets.UTF_8);
        try {
            if (secret == null) {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
            }
            return HexFormat.of().formatHex(macs.get().doFinal(input));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }
}
