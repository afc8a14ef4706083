package io.github.kimirotator.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.Account;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ApiKeys;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.api.TokenUsage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed's accounts-file JSON to and from {@link AccountsState}, mapped by hand over Jackson's tree model
 * so that kimi-api needs no Jackson; the tree is read with the streaming parser (see {@link #FACTORY}).
 *
 * <p>Reading is lenient wherever the seed could have written something odd: numbers with a fraction are
 * rounded, missing or {@code null} fields take their defaults. Writing emits every seed field in the seed's
 * order, our own fields only when set, then every unknown field as it was read, formatted as the seed's
 * {@code JSON.stringify(state, null, 2)}.
 */
public final class AccountsJson {
    /**
     * The file is read with jackson-core's streaming parser into a tree of Jackson's nodes, without an
     * ObjectMapper: setting one up loads some 300 classes, a good part of every command's start-up.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            // the source would be the file's text, which holds the keys
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final Set<String> STATE_FIELDS = Set.of("version", "accounts", "activeIndex",
            "rotationStrategy", "autoRefreshHealth", "healthRefreshCooldownMinutes", "strategy");
    private static final Set<String> ACCOUNT_FIELDS = Set.of("key", "name", "addedAt", "lastUsed",
            "rateLimitResetTime", "billingLimitResetTime", "healthScore", "consecutiveFailures",
            "consecutiveBillingLimitHits", "totalRequests", "successfulRequests", "responseTimes",
            "dailyRequests", "disabled", "limitReason", "lastPenaltyAt", "lastRecoveryAt", "dailyTokens");
    /** The names of {@link TokenUsage}'s counts in {@code dailyTokens}. */
    private static final String[] TOKEN_FIELDS = {"input", "output", "cacheRead", "cacheCreation"};

    private static final Pattern START_MARKER = Pattern.compile("\\s*\\(start marker at \\[.*?]\\)");
    private static final Pattern FEATURE_HINT = Pattern.compile(": enable `.*` to allow");
    /** Jackson quotes an unrecognised token as {@code token 'xyz'}; only that text can be part of a key. */
    private static final Pattern LONG_TOKEN = Pattern.compile("token '([^']{9,})'");

    private AccountsJson() {
    }

    /**
     * Parses the text of an accounts file.
     *
     * @param source how messages name the text (the file's path)
     * @throws KimiException {@link ErrorCode#CORRUPT_FILE} naming {@code source}, and line and column when the
     *     text is not JSON
     */
    public static AccountsState parse(String text, String source) {
        // Windows editors may add a byte order mark; it carries no data.
        String json = text.startsWith("\uFEFF") ? text.substring(1) : text;
        JsonNode root;
        try {
            root = readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw corrupt(source + " is not valid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + ": " + shortReason(e.getOriginalMessage()));
        }
        if (root == null) {
            throw corrupt(source + " is not valid JSON at line 1, column 1: it holds no JSON value");
        }
        return fromTree(root, source);
    }

    /** The one JSON value of {@code json} as a tree, {@code null} when there is none; trailing tokens are errors. */
    private static JsonNode readTree(String json) throws JsonProcessingException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            JsonNode root = readValue(parser, first);
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new JsonParseException(parser, "Trailing token (of type " + trailing + ") found after the value");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            // reading a String fails only on malformed content, which the parser reports as above
            throw new IllegalStateException(e);
        }
    }

    /** The value that starts with {@code token}, as databind's {@code readTree} would make it. */
    private static JsonNode readValue(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT: {
                ObjectNode object = NODES.objectNode();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    object.set(name, readValue(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                    array.add(readValue(parser, item));
                }
                return array;
            }
            case VALUE_STRING:
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                switch (parser.getNumberType()) {
                    case INT:
                        return NODES.numberNode(parser.getIntValue());
                    case LONG:
                        return NODES.numberNode(parser.getLongValue());
                    default:
                        return NODES.numberNode(parser.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new JsonParseException(parser, "Unexpected token " + token);
        }
    }

    /** The file's text for {@code state}, as the seed formats it (2-space indent, no trailing newline). */
    public static String format(AccountsState state) {
        return SeedJsonWriter.write(toTree(state));
    }

    /**
     * Reads a parsed accounts file.
     *
     * @throws KimiException {@link ErrorCode#CORRUPT_FILE} naming {@code source} and the field at fault when
     *     the structure is wrong
     */
    public static AccountsState fromTree(JsonNode root, String source) {
        if (!root.isObject()) {
            throw corrupt(source + ": the top level must be a JSON object, found " + kind(root));
        }
        Fields top = new Fields(root, source, "");
        List<Account> accounts = new ArrayList<>();
        JsonNode list = top.get("accounts");
        if (list != null) {
            if (!list.isArray()) {
                throw corrupt(source + ": accounts must be an array, found " + kind(list));
            }
            for (int i = 0; i < list.size(); i++) {
                accounts.add(readAccount(list.get(i), i, source));
            }
        }
        AccountsState defaults = AccountsState.empty();
        return new AccountsState(
                top.intOr("version", defaults.version()),
                accounts,
                top.intOr("activeIndex", defaults.activeIndex()),
                top.stringOr("rotationStrategy", defaults.rotationStrategy()),
                top.stringOr("strategy", defaults.strategy()),
                top.booleanOr("autoRefreshHealth", defaults.autoRefreshHealth()),
                top.intOr("healthRefreshCooldownMinutes", defaults.healthRefreshCooldownMinutes()),
                unknownFields(root, STATE_FIELDS));
    }

    /** The tree {@link #format} writes: seed fields, ours when set, then the unknown ones. */
    public static ObjectNode toTree(AccountsState state) {
        ObjectNode root = NODES.objectNode();
        root.put("version", state.version());
        ArrayNode accounts = root.putArray("accounts");
        state.accounts().forEach(account -> accounts.add(writeAccount(account)));
        root.put("activeIndex", state.activeIndex());
        root.put("rotationStrategy", state.rotationStrategy());
        root.put("autoRefreshHealth", state.autoRefreshHealth());
        root.put("healthRefreshCooldownMinutes", state.healthRefreshCooldownMinutes());
        if (state.strategy() != null) {
            root.put("strategy", state.strategy());
        }
        putUnknown(root, state.extra(), STATE_FIELDS);
        return root;
    }

    private static Account readAccount(JsonNode node, int index, String source) {
        String where = "accounts[" + index + "]";
        if (!node.isObject()) {
            throw corrupt(source + ": " + where + " must be a JSON object, found " + kind(node));
        }
        Fields f = new Fields(node, source, where + ".");
        String key = f.stringOr("key", null);
        if (key == null || key.isEmpty()) {
            throw corrupt(source + ": " + where + " has no key");
        }
        Account defaults = Account.newKey(key, "Account " + (index + 1), 0);
        return new Account(
                key,
                f.stringOr("name", defaults.name()),
                f.longOr("addedAt", defaults.addedAt()),
                f.longOr("lastUsed", defaults.lastUsed()),
                f.longOr("rateLimitResetTime", defaults.rateLimitResetTime()),
                f.longOr("billingLimitResetTime", defaults.billingLimitResetTime()),
                Math.max(0, Math.min(Account.MAX_HEALTH, f.intOr("healthScore", defaults.healthScore()))),
                f.intOr("consecutiveFailures", defaults.consecutiveFailures()),
                f.intOr("consecutiveBillingLimitHits", defaults.consecutiveBillingLimitHits()),
                f.longOr("totalRequests", defaults.totalRequests()),
                f.longOr("successfulRequests", defaults.successfulRequests()),
                f.longList("responseTimes"),
                f.longMap("dailyRequests"),
                f.booleanOr("disabled", defaults.disabled()),
                f.stringOr("limitReason", defaults.limitReason()),
                f.longOr("lastPenaltyAt", defaults.lastPenaltyAt()),
                f.longOr("lastRecoveryAt", defaults.lastRecoveryAt()),
                f.tokenMap("dailyTokens"),
                unknownFields(node, ACCOUNT_FIELDS));
    }

    /**
     * The seed's account fields, in the seed's order: all an account is to the seed. The accounts file and the
     * seed-format backup both start from this.
     */
    public static ObjectNode seedAccountFields(Account a) {
        ObjectNode node = NODES.objectNode();
        node.put("key", a.key());
        node.put("name", a.name());
        node.put("addedAt", a.addedAt());
        node.put("lastUsed", a.lastUsed());
        node.put("rateLimitResetTime", a.rateLimitResetTime());
        node.put("billingLimitResetTime", a.billingLimitResetTime());
        node.put("healthScore", a.healthScore());
        node.put("consecutiveFailures", a.consecutiveFailures());
        node.put("consecutiveBillingLimitHits", a.consecutiveBillingLimitHits());
        node.put("totalRequests", a.totalRequests());
        node.put("successfulRequests", a.successfulRequests());
        ArrayNode times = node.putArray("responseTimes");
        a.responseTimes().forEach(times::add);
        ObjectNode daily = node.putObject("dailyRequests");
        a.dailyRequests().forEach(daily::put);
        return node;
    }

    private static ObjectNode writeAccount(Account a) {
        ObjectNode node = seedAccountFields(a);
        if (a.disabled()) {
            node.put("disabled", true);
        }
        if (a.limitReason() != null) {
            node.put("limitReason", a.limitReason());
        }
        if (a.lastPenaltyAt() != 0) {
            node.put("lastPenaltyAt", a.lastPenaltyAt());
        }
        if (a.lastRecoveryAt() != 0) {
            node.put("lastRecoveryAt", a.lastRecoveryAt());
        }
        if (!a.dailyTokens().isEmpty()) {
            ObjectNode days = node.putObject("dailyTokens");
            a.dailyTokens().forEach((day, usage) -> days.putObject(day)
                    .put(TOKEN_FIELDS[0], usage.input())
                    .put(TOKEN_FIELDS[1], usage.output())
                    .put(TOKEN_FIELDS[2], usage.cacheRead())
                    .put(TOKEN_FIELDS[3], usage.cacheCreation()));
        }
        putUnknown(node, a.extra(), ACCOUNT_FIELDS);
        return node;
    }

    private static Map<String, Object> unknownFields(JsonNode node, Set<String> known) {
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!known.contains(field.getKey())) {
                extra.put(field.getKey(), toJava(field.getValue()));
            }
        }
        return extra;
    }

    /** Known names win: an extra entry can never overwrite a field this version writes itself. */
    private static void putUnknown(ObjectNode node, Map<String, Object> extra, Set<String> known) {
        extra.forEach((name, value) -> {
            if (!known.contains(name)) {
                node.set(name, toNode(name, value));
            }
        });
    }

    /** Plain Java values, so that other modules can read {@code extra} without Jackson. */
    private static Object toJava(JsonNode node) {
        return switch (node.getNodeType()) {
            case BOOLEAN -> node.booleanValue();
            case NUMBER -> {
                if (node.isFloatingPointNumber()) {
                    yield node.doubleValue();
                }
                yield node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
            }
            case STRING -> node.textValue();
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                node.forEach(item -> items.add(toJava(item)));
                yield Collections.unmodifiableList(items);
            }
            case OBJECT -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                node.properties().forEach(field -> fields.put(field.getKey(), toJava(field.getValue())));
                yield Collections.unmodifiableMap(fields);
            }
            case NULL, MISSING, BINARY, POJO -> null;
        };
    }

    private static JsonNode toNode(String name, Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Double || value instanceof Float) {
            return NODES.numberNode(((Number) value).doubleValue());
        }
        if (value instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (value instanceof BigInteger i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Number n) {
            return NODES.numberNode(n.longValue());
        }
        if (value instanceof CharSequence s) {
            return NODES.textNode(s.toString());
        }
        if (value instanceof Iterable<?> items) {
            ArrayNode array = NODES.arrayNode();
            items.forEach(item -> array.add(toNode(name, item)));
            return array;
        }
        if (value instanceof Map<?, ?> fields) {
            ObjectNode object = NODES.objectNode();
            fields.forEach((k, v) -> object.set(String.valueOf(k), toNode(name, v)));
            return object;
        }
        throw new KimiException(ErrorCode.INTERNAL, "the unknown field '" + name + "' holds a "
                + value.getClass().getName() + ", which JSON cannot hold");
    }

    private static String shortReason(String jacksonMessage) {
        String reason = jacksonMessage == null ? "unreadable" : jacksonMessage.lines().findFirst().orElse("");
        reason = START_MARKER.matcher(reason).replaceAll("");
        reason = FEATURE_HINT.matcher(reason).replaceAll("");
        // A quoted token can be an unquoted API key or part of one: show its first characters only.
        Matcher token = LONG_TOKEN.matcher(reason);
        StringBuilder out = new StringBuilder();
        while (token.find()) {
            String t = token.group(1);
            String shown = t.startsWith(ApiKeys.PREFIX) ? ApiKeys.display(t) : t.substring(0, 4) + "...";
            token.appendReplacement(out, Matcher.quoteReplacement("token '" + shown + "'"));
        }
        token.appendTail(out);
        return IoErrors.lowerFirst(out.toString());
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING, BINARY, POJO -> "null";
        };
    }

    private static KimiException corrupt(String message) {
        return new KimiException(ErrorCode.CORRUPT_FILE, message);
    }

    /** Typed, lenient access to the fields of one JSON object; a {@code null} value counts as missing. */
    private static final class Fields {
        private final JsonNode node;
        private final String source;
        private final String where;

        Fields(JsonNode node, String source, String where) {
            this.node = node;
            this.source = source;
            this.where = where;
        }

        JsonNode get(String name) {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? null : value;
        }

        long longOr(String name, long fallback) {
            JsonNode value = get(name);
            return value == null ? fallback : toLong(name, value);
        }

        int intOr(String name, int fallback) {
            long value = longOr(name, fallback);
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
        }

        boolean booleanOr(String name, boolean fallback) {
            JsonNode value = get(name);
            if (value == null) {
                return fallback;
            }
            if (!value.isBoolean()) {
                throw wrongType(name, "true or false", value);
            }
            return value.booleanValue();
        }

        String stringOr(String name, String fallback) {
            JsonNode value = get(name);
            if (value == null) {
                return fallback;
            }
            if (!value.isTextual()) {
                throw wrongType(name, "a string", value);
            }
            return value.textValue();
        }

        List<Long> longList(String name) {
            JsonNode value = get(name);
            if (value == null) {
                return List.of();
            }
            if (!value.isArray()) {
                throw wrongType(name, "an array", value);
            }
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                // JSON.stringify writes a NaN as null; there is no value to keep
                if (!item.isNull()) {
                    out.add(toLong(name + "[" + i + "]", item));
                }
            }
            return out;
        }

        TreeMap<String, Long> longMap(String name) {
            JsonNode value = get(name);
            TreeMap<String, Long> out = new TreeMap<>();
            if (value == null) {
                return out;
            }
            if (!value.isObject()) {
                throw wrongType(name, "an object", value);
            }
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                if (!field.getValue().isNull()) {
                    out.put(field.getKey(), toLong(name + "." + field.getKey(), field.getValue()));
                }
            }
            return out;
        }

        /** Ours, so a broken entry is dropped rather than refusing the whole file over a statistic. */
        TreeMap<String, TokenUsage> tokenMap(String name) {
            JsonNode value = get(name);
            TreeMap<String, TokenUsage> out = new TreeMap<>();
            if (value == null || !value.isObject()) {
                return out;
            }
            for (Map.Entry<String, JsonNode> day : value.properties()) {
                JsonNode counts = day.getValue();
                if (counts.isObject()) {
                    long[] n = new long[TOKEN_FIELDS.length];
                    for (int i = 0; i < n.length; i++) {
                        JsonNode count = counts.get(TOKEN_FIELDS[i]);
                        n[i] = count != null && count.isNumber() ? Math.max(0, toLong(name, count)) : 0;
                    }
                    out.put(day.getKey(), new TokenUsage(n[0], n[1], n[2], n[3]));
                }
            }
            return out;
        }

        private long toLong(String name, JsonNode value) {
            if (!value.isNumber()) {
                throw wrongType(name, "a number", value);
            }
            if (value.isFloatingPointNumber()) {
                return Math.round(value.doubleValue());
            }
            if (value.canConvertToLong()) {
                return value.longValue();
            }
            return value.bigIntegerValue().signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }

        private KimiException wrongType(String name, String expected, JsonNode found) {
            return corrupt(source + ": " + where + name + " must be " + expected + ", found " + kind(found));
        }
    }
}
