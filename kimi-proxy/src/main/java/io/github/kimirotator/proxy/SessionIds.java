package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;

/** The session of a request, as contract section 5 orders the places real clients put it. */
final class SessionIds {
    static final List<String> HEADERS = List.of("x-claude-code-session-id", "x-session-affinity", "x-session-id");
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SessionIds() {
    }

    /** The session of a request with these headers and body; empty when it names none. */
    static Optional<String> of(HttpFields headers, byte[] body) {
        for (String name : HEADERS) {
            String value = headers.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim());
            }
        }
        return userId(body).map(SessionIds::sessionOfUserId);
    }

    /**
     * {@code metadata.user_id} of a JSON body. Streams through the body and skips every other subtree, since
     * bodies carry whole conversations and this runs on every request without a session header.
     */
    static Optional<String> userId(byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
                    return userIdIn(p);
                }
                p.skipChildren();
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> userIdIn(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("user_id".equals(field) && value == JsonToken.VALUE_STRING) {
                String id = p.getText();
                return id.isBlank() ? Optional.empty() : Optional.of(id);
            }
            p.skipChildren();
        }
        return Optional.empty();
    }

    /** Claude Code puts a JSON object in {@code user_id}; its {@code session_id} is the session. */
    private static String sessionOfUserId(String userId) {
        String trimmed = userId.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode session = MAPPER.readTree(trimmed).get("session_id");
                if (session != null && session.isTextual() && !session.asText().isBlank()) {
                    return session.asText();
                }
            } catch (IOException e) {
                return userId;
            }
        }
        return userId;
    }
}
