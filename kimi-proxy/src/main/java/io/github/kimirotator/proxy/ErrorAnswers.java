package io.github.kimirotator.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The proxy's own error answers, in the shape of Anthropic's API so that clients show them as they are. */
final class ErrorAnswers {
    static final String AUTHENTICATION = "authentication_error";
    static final String RATE_LIMIT = "rate_limit_error";
    static final String API = "api_error";
    static final String OVERLOADED = "overloaded_error";
    static final String TOO_LARGE = "request_too_large";
    static final String NOT_FOUND = "not_found_error";
    static final String INVALID_REQUEST = "invalid_request_error";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ErrorAnswers() {
    }

    /** {@code {"type":"error","error":{"type":type,"message":message}}}. */
    static byte[] body(String type, String message) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the error as the whole answer. */
    static void send(Response response, Callback callback, int status, String type, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(type, message)), callback);
    }
}
