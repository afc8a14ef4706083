package io.github.kimirotator.storage.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Shared test data: a cheap codec, sample states, and edits of an envelope. */
final class BackupFixtures {
    /** The cheapest parameters import still accepts. */
    static final Argon2Params CHEAP = new Argon2Params(Argon2Params.MIN_MEMORY_KIB, 1, 1);
    static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String PASSWORD = "correct horse battery";
    static final ObjectMapper JSON = new ObjectMapper();

    private BackupFixtures() {
    }

    static BackupCodec cheapCodec() {
        return new BackupCodec(CLOCK, new SecureRandom(), CHEAP);
    }

    static String key(char fill, String last4) {
        return "sk-kimi-" + String.valueOf(fill).repeat(32) + last4;
    }

    /** An account with every field, ours and unknown ones included, away from its default. */
    static Account busyAccount(String key, String name) {
        TreeMap<String, Long> daily = new TreeMap<>(Map.of("2026-02-27", 7L, "2026-02-28", 12L));
        return new Account(key, name, 1_700_000_000_000L, 1_700_000_500_000L, 1_772_000_000_000L,
                1_772_100_000_000L, 55, 2, 1, 120, 99, List.of(245L, 198L, 210L), daily, true,
                "401 unauthorized", 1_771_999_000_000L, 1_771_000_000_000L,
                Map.of("futureField", Map.of("nested", List.of(1, "two", true))));
    }

    static AccountsState stateOf(List<Account> accounts) {
        return new AccountsState(1, accounts, 0, "sticky", "least-used", false, 45, Map.of());
    }

    static byte[] resource(String name) {
        try (InputStream in = BackupFixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode tree(byte[] envelope) {
        try {
            return (ObjectNode) JSON.readTree(envelope);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code envelope} after {@code edit} changed its JSON tree. */
    static byte[] edited(byte[] envelope, Consumer<ObjectNode> edit) {
        ObjectNode tree = tree(envelope);
        edit.accept(tree);
        return bytes(tree);
    }
}
