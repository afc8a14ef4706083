package io.github.kimirotator.storage.backup;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** AES-256-GCM with a 128-bit tag through Bouncy Castle's lightweight API; sealed data is ciphertext ‖ tag. */
final class AesGcm {
    static final int KEY_BYTES = 32;
    static final int TAG_BYTES = 16;

    private AesGcm() {
    }

    static byte[] seal(byte[] key, byte[] nonce, byte[] associatedData, byte[] plaintext) {
        try {
            return run(true, key, nonce, associatedData, plaintext);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption cannot fail on a tag", e);
        }
    }

    /**
     * The plaintext of {@code sealed}.
     *
     * @throws InvalidCipherTextException when the tag does not match: wrong key, or anything changed
     */
    static byte[] open(byte[] key, byte[] nonce, byte[] associatedData, byte[] sealed)
            throws InvalidCipherTextException {
        return run(false, key, nonce, associatedData, sealed);
    }

    private static byte[] run(boolean encrypt, byte[] key, byte[] nonce, byte[] associatedData, byte[] input)
            throws InvalidCipherTextException {
        KeyParameter keyParameter = new KeyParameter(key);
        GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        byte[] out = null;
        try {
            cipher.init(encrypt, new AEADParameters(keyParameter, TAG_BYTES * 8, nonce, associatedData));
            out = new byte[cipher.getOutputSize(input.length)];
            int length = cipher.processBytes(input, 0, input.length, out, 0);
            length += cipher.doFinal(out, length);
            if (length == out.length) {
                return out;
            }
            byte[] exact = Arrays.copyOf(out, length);
            Secrets.wipe(out);
            return exact;
        } catch (InvalidCipherTextException e) {
            // Decryption writes unauthenticated plaintext as it goes; none of it may survive a failed tag.
            Secrets.wipe(out);
            throw e;
        } finally {
            // KeyParameter holds its own copy of the key and hands out that very array.
            Secrets.wipe(keyParameter.getKey());
        }
    }
}
