package io.github.kimirotator.storage.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.crypto.InvalidCipherTextException;

/**
 * Our backup format, version 2: a small JSON envelope (UTF-8, 2-space indent).
 *
 * <pre>
 * {
 *   "format" : "kimi-rotator-backup",
 *   "version" : 2,
 *   "kdf" : { "name" : "argon2id", "memoryKiB" : 65536, "iterations" : 3, "parallelism" : 4 },
 *   "salt" : "&lt;base64, 16 random bytes&gt;",
 *   "nonce" : "&lt;base64, 12 random bytes&gt;",
 *   "ciphertext" : "&lt;base64, AES-256-GCM ciphertext followed by its 16-byte tag&gt;"
 * }
 * </pre>
 *
 * <ul>
 *   <li>{@code format}, {@code version}: what this is; anything else is refused as an unknown format.</li>
 *   <li>{@code kdf}: Argon2id (version 0x13) cost parameters; the key is its 32-byte output from the
 *       password's UTF-8 bytes and {@code salt}. Import reads them from here but refuses values outside
 *       memory 8 MiB..1 GiB, 1..10 iterations, parallelism 1..16 before deriving anything.</li>
 *   <li>{@code nonce}: fresh from {@link SecureRandom} for every export.</li>
 *   <li>The associated data of GCM is the header: the envelope without {@code ciphertext}, with object keys
 *       sorted, as compact JSON in UTF-8. Changing, adding or removing any header value therefore fails the
 *       tag, while re-indenting or reordering the file does not.</li>
 * </ul>
 *
 * The plaintext is described in {@link BackupContent}.
 */
final class V2Format {
    static final String FORMAT_NAME = "kimi-rotator-backup";
    static final int VERSION = 2;
    static final String KDF_NAME = "argon2id";
    static final int SALT_BYTES = 16;
    static final int NONCE_BYTES = 12;
    private static final int MAX_SALT_BYTES = 64;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private V2Format() {
    }

    /** Whether {@code file} is JSON at all; a seed backup is base64 and can never start with a brace. */
    static boolean looksLikeEnvelope(byte[] file) {
        for (byte b : file) {
            if (!Character.isWhitespace(b)) {
                return b == '{';
            }
        }
        return false;
    }

    static byte[] seal(byte[] plaintext, byte[] password, Argon2Params kdf, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(salt);
        random.nextBytes(nonce);
        ObjectNode envelope = NODES.objectNode();
        envelope.put("format", FORMAT_NAME);
        envelope.put("version", VERSION);
        ObjectNode kdfNode = envelope.putObject("kdf");
        kdfNode.put("name", KDF_NAME);
        kdfNode.put("memoryKiB", kdf.memoryKiB());
        kdfNode.put("iterations", kdf.iterations());
        kdfNode.put("parallelism", kdf.parallelism());
        envelope.put("salt", Base64.getEncoder().encodeToString(salt));
        envelope.put("nonce", Base64.getEncoder().encodeToString(nonce));
        byte[] key = kdf.deriveKey(password, salt);
        try {
            byte[] sealed = AesGcm.seal(key, nonce, header(envelope), plaintext);
            envelope.put("ciphertext", Base64.getEncoder().encodeToString(sealed));
        } finally {
            Secrets.wipe(key);
        }
        try {
            String text = MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(envelope);
            return (text + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }

    /** The plaintext of an envelope; the caller wipes it. */
    static byte[] open(byte[] file, byte[] password, String source) {
        JsonNode envelope = parse(file, source);
        checkKind(envelope, source);
        JsonNode kdfNode = envelope.path("kdf");
        Argon2Params kdf = new Argon2Params(
                intField(kdfNode, "memoryKiB", source),
                intField(kdfNode, "iterations", source),
                intField(kdfNode, "parallelism", source));
        String unsafe = kdf.outOfBounds();
        if (unsafe != null) {
            throw BackupErrors.unsafeKdf(source, unsafe);
        }
        byte[] salt = base64Field(envelope, "salt", source);
        byte[] nonce = base64Field(envelope, "nonce", source);
        byte[] sealed = base64Field(envelope, "ciphertext", source);
        if (salt.length < SALT_BYTES || salt.length > MAX_SALT_BYTES || nonce.length != NONCE_BYTES
                || sealed.length < AesGcm.TAG_BYTES) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
        byte[] key = kdf.deriveKey(password, salt);
        try {
            return AesGcm.open(key, nonce, header(envelope), sealed);
        } catch (InvalidCipherTextException e) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        } finally {
            Secrets.wipe(key);
        }
    }

    private static JsonNode parse(byte[] file, String source) {
        try {
            JsonNode root = MAPPER.readTree(file);
            if (root == null || !root.isObject()) {
                throw BackupErrors.wrongPasswordOrDamaged(source);
            }
            return root;
        } catch (IOException e) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
    }

    private static void checkKind(JsonNode envelope, String source) {
        JsonNode format = envelope.path("format");
        if (format.isMissingNode()) {
            String hint = envelope.has("accounts") ? "; it looks like an unencrypted accounts file" : "";
            throw BackupErrors.unknownFormat(source, "JSON without a \"format\" field" + hint);
        }
        if (!format.isTextual() || !FORMAT_NAME.equals(format.asText())) {
            throw BackupErrors.unknownFormat(source, "format " + BackupErrors.shown(format)
                    + " (this build reads \"" + FORMAT_NAME + "\")");
        }
        JsonNode version = envelope.path("version");
        if (!version.isInt() || version.intValue() != VERSION) {
            throw BackupErrors.unknownFormat(source, FORMAT_NAME + " version " + BackupErrors.shown(version)
                    + " (this build reads version " + VERSION + ")");
        }
        JsonNode kdfName = envelope.path("kdf").path("name");
        if (!kdfName.isTextual() || !KDF_NAME.equals(kdfName.asText())) {
            throw BackupErrors.unknownFormat(source, "key derivation " + BackupErrors.shown(kdfName)
                    + " (this build reads \"" + KDF_NAME + "\")");
        }
    }

    private static int intField(JsonNode node, String name, String source) {
        JsonNode value = node.path(name);
        if (!value.isIntegralNumber()) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
        if (!value.canConvertToInt()) {
            throw BackupErrors.unsafeKdf(source, name + " " + BackupErrors.shown(value) + " is out of range");
        }
        return value.intValue();
    }

    private static byte[] base64Field(JsonNode envelope, String name, String source) {
        JsonNode value = envelope.path(name);
        if (!value.isTextual()) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
        try {
            return Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw BackupErrors.wrongPasswordOrDamaged(source);
        }
    }

    /** The associated data: every field but the ciphertext, keys sorted at every level, compact UTF-8 JSON. */
    static byte[] header(JsonNode envelope) {
        ObjectNode header = sorted(envelope);
        header.remove("ciphertext");
        try {
            return MAPPER.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }

    private static ObjectNode sorted(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        names.sort(null);
        ObjectNode copy = NODES.objectNode();
        for (String name : names) {
            copy.set(name, canonical(object.get(name)));
        }
        return copy;
    }

    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            return sorted(node);
        }
        if (node.isArray()) {
            var array = NODES.arrayNode();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                array.add(canonical(it.next()));
            }
            return array;
        }
        return node;
    }
}
