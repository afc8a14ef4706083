package io.github.kimirotator.storage.backup;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Password bytes that never pass through a {@link String}, and wiping of secret arrays. */
final class Secrets {
    /** U+FFFD in UTF-8: what Node writes for a lone surrogate, so the seed and we derive the same key. */
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private Secrets() {
    }

    /** The UTF-8 bytes of {@code password}; the caller wipes them. */
    static byte[] utf8(char[] password) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith(REPLACEMENT);
        // Sized for the worst case up front: a growing buffer would leave unwiped copies behind.
        ByteBuffer out = ByteBuffer.allocate(password.length * 3);
        try {
            CoderResult result = encoder.encode(CharBuffer.wrap(password), out, true);
            if (result.isError() || result.isOverflow() || encoder.flush(out).isOverflow()) {
                throw new IllegalStateException("UTF-8 encoding of a password failed: " + result);
            }
            return Arrays.copyOf(out.array(), out.position());
        } finally {
            wipe(out.array());
        }
    }

    static void wipe(byte[] secret) {
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
