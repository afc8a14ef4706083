package io.github.kimirotator.storage.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.storage.AccountsJson;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The plaintext inside a backup: compact UTF-8 JSON.
 *
 * <p>Seed format, exactly the seed's {@code exportData}: {@code {"version":1, "exportedAt", "accounts":[…],
 * "rotationStrategy", "autoRefreshHealth", "healthRefreshCooldownMinutes"}}, each account with the seed's
 * thirteen fields in the seed's order ({@code key, name, addedAt, lastUsed, rateLimitResetTime,
 * billingLimitResetTime, healthScore, consecutiveFailures, consecutiveBillingLimitHits, totalRequests,
 * successfulRequests, responseTimes, dailyRequests}).
 *
 * <p>Format v2: {@code {"exportedAt", "accounts":[…], "rotationStrategy", "strategy" (only when set),
 * "autoRefreshHealth", "healthRefreshCooldownMinutes"}} (its version is the envelope's), each account with
 * the seed's fields, then ours ({@code disabled, limitReason} (only when set){@code , lastPenaltyAt,
 * lastRecoveryAt}), then its unknown fields ({@link Account#extra()}) as they came, like the accounts file.
 *
 * <p>{@code exportedAt} is an ISO-8601 UTC instant with milliseconds, as JavaScript's {@code toISOString}
 * writes it. Reading accepts either shape, applies the seed's defaults to missing fields, and keeps any
 * account field it does not know in {@link Account#extra()}.
 */
final class BackupContent {
    static final int SEED_VERSION = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Set<String> KNOWN_ACCOUNT_FIELDS = Set.of("key", "name", "addedAt", "lastUsed",
            "rateLimitResetTime", "billingLimitResetTime", "healthScore", "consecutiveFailures",
            "consecutiveBillingLimitHits", "totalRequests", "successfulRequests", "responseTimes",
            "dailyRequests", "disabled", "limitReason", "lastPenaltyAt", "lastRecoveryAt");

    private BackupContent() {
    }

    /** The plaintext of {@code state} in {@code format}; the caller wipes it. */
    static byte[] write(AccountsState state, Instant exportedAt, BackupFormat format) {
        boolean seed = format == BackupFormat.SEED;
        ObjectNode root = NODES.objectNode();
        if (seed) {
            root.put("version", SEED_VERSION);
        }
        root.put("exportedAt", ISO_MILLIS.format(exportedAt));
        ArrayNode accounts = root.putArray("accounts");
        for (Account account : state.accounts()) {
            accounts.add(writeAccount(account, seed));
        }
        root.put("rotationStrategy", state.rotationStrategy());
        if (!seed && state.strategy() != null) {
            root.put("strategy", state.strategy());
        }
        root.put("autoRefreshHealth", state.autoRefreshHealth());
        root.put("healthRefreshCooldownMinutes", state.healthRefreshCooldownMinutes());
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an account holds a value JSON cannot express", e);
        }
    }

    private static ObjectNode writeAccount(Account a, boolean seed) {
        ObjectNode node = AccountsJson.seedAccountFields(a);
        if (seed) {
            return node;
        }
        node.put("disabled", a.disabled());
        if (a.limitReason() != null) {
            node.put("limitReason", a.limitReason());
        }
        node.put("lastPenaltyAt", a.lastPenaltyAt());
        node.put("lastRecoveryAt", a.lastRecoveryAt());
        a.extra().forEach((name, value) -> {
            if (!KNOWN_ACCOUNT_FIELDS.contains(name)) {
                node.set(name, MAPPER.valueToTree(value));
            }
        });
        return node;
    }

    /** The backup that {@code plaintext} (already authenticated) describes. */
    static ImportedBackup read(byte[] plaintext, BackupFormat format, String source) {
        return new Reader(source).read(plaintext, format);
    }

    /** Parses one backup, naming the file and the field at fault in every error. */
    private static final class Reader {
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        ImportedBackup read(byte[] plaintext, BackupFormat format) {
            JsonNode root;
            try {
                root = MAPPER.readTree(plaintext);
            } catch (IOException e) {
                throw BackupErrors.invalidContent(source, "the decrypted data is not JSON");
            }
            if (root == null || !root.isObject()) {
                throw BackupErrors.invalidContent(source, "the decrypted data is not a JSON object");
            }
            if (format == BackupFormat.SEED) {
                JsonNode version = root.path("version");
                if (!version.isNumber() || version.asDouble() != SEED_VERSION) {
                    throw BackupErrors.unknownFormat(source, "seed backup version " + BackupErrors.shown(version)
                            + " (this build reads version " + SEED_VERSION + ")");
                }
            }
            Instant exportedAt = exportedAt(root.path("exportedAt"));
            JsonNode accountsNode = root.path("accounts");
            if (!accountsNode.isArray()) {
                throw BackupErrors.invalidContent(source, "\"accounts\" is " + BackupErrors.shown(accountsNode)
                        + ", not an array");
            }
            List<Account> accounts = new ArrayList<>();
            for (int i = 0; i < accountsNode.size(); i++) {
                accounts.add(account(accountsNode.get(i), i));
            }
            return new ImportedBackup(format, exportedAt, accounts, settings(root));
        }

        private Instant exportedAt(JsonNode node) {
            KimiException notAnInstant = BackupErrors.invalidContent(source, "\"exportedAt\" is "
                    + BackupErrors.shown(node) + ", not an ISO-8601 instant");
            if (!node.isTextual()) {
                throw notAnInstant;
            }
            try {
                return Instant.parse(node.asText());
            } catch (DateTimeException e) {
                throw notAnInstant;
            }
        }

        private BackupSettings settings(JsonNode root) {
            JsonNode rotation = root.path("rotationStrategy");
            String rotationStrategy = AccountsState.DEFAULT_STRATEGY;
            if (!rotation.isMissingNode()) {
                if (!rotation.isTextual() || !AccountsState.SEED_STRATEGIES.contains(rotation.asText())) {
                    throw BackupErrors.invalidContent(source, "\"rotationStrategy\" is " + BackupErrors.shown(rotation)
                            + ", not one of " + String.join(", ", new TreeSet<>(AccountsState.SEED_STRATEGIES)));
                }
                rotationStrategy = rotation.asText();
            }
            JsonNode ours = root.path("strategy");
            String strategy = null;
            if (ours.isTextual() && !ours.asText().isBlank()) {
                strategy = ours.asText();
            } else if (!ours.isMissingNode() && !ours.isNull() && !ours.isTextual()) {
                throw BackupErrors.invalidContent(source, "\"strategy\" is " + BackupErrors.shown(ours)
                        + ", not a name");
            }
            JsonNode auto = root.path("autoRefreshHealth");
            if (!auto.isMissingNode() && !auto.isBoolean()) {
                throw BackupErrors.invalidContent(source, "\"autoRefreshHealth\" is " + BackupErrors.shown(auto)
                        + ", not true or false");
            }
            JsonNode cooldown = root.path("healthRefreshCooldownMinutes");
            int minutes = AccountsState.DEFAULT_COOLDOWN_MINUTES;
            if (!cooldown.isMissingNode()) {
                if (!cooldown.isNumber() || cooldown.asDouble() < AccountsState.MIN_COOLDOWN_MINUTES
                        || cooldown.asDouble() > AccountsState.MAX_COOLDOWN_MINUTES) {
                    throw BackupErrors.invalidContent(source, "\"healthRefreshCooldownMinutes\" is "
                            + BackupErrors.shown(cooldown) + ", not a number of minutes from "
                            + AccountsState.MIN_COOLDOWN_MINUTES + " to " + AccountsState.MAX_COOLDOWN_MINUTES);
                }
                minutes = (int) cooldown.asDouble();
            }
            return new BackupSettings(rotationStrategy, strategy, auto.asBoolean(true), minutes);
        }

        private Account account(JsonNode node, int index) {
            String where = "accounts[" + index + "]";
            if (!node.isObject()) {
                throw BackupErrors.invalidContent(source, where + " is not an object");
            }
            JsonNode key = node.path("key");
            if (!key.isTextual() || key.asText().isEmpty()) {
                throw BackupErrors.invalidContent(source, where + " has no key");
            }
            JsonNode nameNode = node.path("name");
            if (!nameNode.isMissingNode() && !nameNode.isNull() && !nameNode.isTextual()) {
                throw BackupErrors.invalidContent(source, where + ".name is not text");
            }
            String name = nameNode.isTextual() && !nameNode.asText().isBlank()
                    ? nameNode.asText()
                    : "Account " + (index + 1);
            JsonNode reason = node.path("limitReason");
            if (!reason.isMissingNode() && !reason.isNull() && !reason.isTextual()) {
                throw BackupErrors.invalidContent(source, where + ".limitReason is not text");
            }
            JsonNode disabled = node.path("disabled");
            if (!disabled.isMissingNode() && !disabled.isBoolean()) {
                throw BackupErrors.invalidContent(source, where + ".disabled is not true or false");
            }
            long health = number(node, "healthScore", Account.MAX_HEALTH, where);
            return new Account(
                    key.asText(),
                    name,
                    number(node, "addedAt", 0, where),
                    number(node, "lastUsed", 0, where),
                    number(node, "rateLimitResetTime", 0, where),
                    number(node, "billingLimitResetTime", 0, where),
                    (int) Math.max(0, Math.min(Account.MAX_HEALTH, health)),
                    intNumber(node, "consecutiveFailures", where),
                    intNumber(node, "consecutiveBillingLimitHits", where),
                    number(node, "totalRequests", 0, where),
                    number(node, "successfulRequests", 0, where),
                    responseTimes(node.path("responseTimes"), where),
                    dailyRequests(node.path("dailyRequests"), where),
                    disabled.asBoolean(false),
                    reason.isTextual() ? reason.asText() : null,
                    number(node, "lastPenaltyAt", 0, where),
                    number(node, "lastRecoveryAt", 0, where),
                    extra(node));
        }

        private long number(JsonNode account, String field, long absent, String where) {
            JsonNode value = account.path(field);
            if (value.isMissingNode() || value.isNull()) {
                return absent;
            }
            if (!value.isNumber()) {
                throw BackupErrors.invalidContent(source, where + "." + field + " is " + BackupErrors.shown(value)
                        + ", not a number");
            }
            return value.asLong();
        }

        private int intNumber(JsonNode account, String field, String where) {
            return (int) Math.max(0, Math.min(Integer.MAX_VALUE, number(account, field, 0, where)));
        }

        private List<Long> responseTimes(JsonNode node, String where) {
            List<Long> times = new ArrayList<>();
            if (node.isMissingNode() || node.isNull()) {
                return times;
            }
            if (!node.isArray()) {
                throw BackupErrors.invalidContent(source, where + ".responseTimes is not an array");
            }
            for (JsonNode time : node) {
                if (!time.isNumber()) {
                    throw BackupErrors.invalidContent(source, where + ".responseTimes holds "
                            + BackupErrors.shown(time) + ", not a number");
                }
                times.add(time.asLong());
            }
            int keep = Math.min(times.size(), Account.MAX_RESPONSE_TIMES);
            return times.subList(times.size() - keep, times.size());
        }

        private TreeMap<String, Long> dailyRequests(JsonNode node, String where) {
            TreeMap<String, Long> daily = new TreeMap<>();
            if (node.isMissingNode() || node.isNull()) {
                return daily;
            }
            if (!node.isObject()) {
                throw BackupErrors.invalidContent(source, where + ".dailyRequests is not an object");
            }
            for (Map.Entry<String, JsonNode> day : node.properties()) {
                if (!day.getValue().isNumber()) {
                    throw BackupErrors.invalidContent(source, where + ".dailyRequests holds "
                            + BackupErrors.shown(day.getValue()) + ", not a number");
                }
                daily.put(day.getKey(), day.getValue().asLong());
            }
            return daily;
        }

        private Map<String, Object> extra(JsonNode account) {
            Map<String, Object> extra = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : account.properties()) {
                if (!KNOWN_ACCOUNT_FIELDS.contains(field.getKey())) {
                    try {
                        extra.put(field.getKey(), MAPPER.treeToValue(field.getValue(), Object.class));
                    } catch (JsonProcessingException e) {
                        throw BackupErrors.invalidContent(source, "accounts field \"" + field.getKey()
                                + "\" cannot be read");
                    }
                }
            }
            return extra;
        }
    }
}
