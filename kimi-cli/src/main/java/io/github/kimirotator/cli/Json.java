package io.github.kimirotator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/** JSON output for {@code --json}: pretty, stable field order. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON output", e);
        }
    }

    /**
     * {@code ours} laid over {@code theirs}, a JSON document from elsewhere (e.g. a variable the user set): objects
     * are merged member by member, any other value of ours replaces theirs, and what only they have stays. Empty
     * when {@code theirs} is not a JSON object.
     */
    public static Optional<String> overlay(String theirs, Object ours) {
        JsonNode base;
        try {
            base = MAPPER.readTree(theirs);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (!(base instanceof ObjectNode object)) {
            return Optional.empty();
        }
        merge(object, (ObjectNode) MAPPER.valueToTree(ours));
        return Optional.of(write(object));
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode existing = into.get(field.getKey());
            if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode fromObject) {
                merge(existingObject, fromObject);
            } else {
                into.set(field.getKey(), field.getValue());
            }
        }
    }
}
