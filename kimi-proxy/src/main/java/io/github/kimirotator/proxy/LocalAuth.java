package io.github.kimirotator.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Checks the local token a client sends as {@code x-api-key} or {@code Authorization: Bearer}. Tokens are
 * compared as SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken tells nothing about the
 * token, not even its length.
 */
final class LocalAuth {
    private static final String BEARER = "bearer ";
    private final byte[] expected;

    /** @param token the token, or {@code null} to let every request in */
    LocalAuth(String token) {
        this.expected = token == null ? null : digest(token);
    }

    boolean allows(HttpFields headers) {
        if (expected == null) {
            return true;
        }
        boolean ok = matches(headers.get("x-api-key"));
        String authorization = headers.get(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            ok |= matches(authorization.substring(BEARER.length()).trim());
        }
        return ok;
    }

    private boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(expected, digest(presented));
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
