import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;

/**
 * A fast, fake Anthropic-compatible upstream for benchmarks and real-client checks (run with
 * `java bench/FakeUpstream.java PORT_FILE [KEY_LOG]`): answers POST /v1/messages with JSON, or with a
 * standard SSE sequence when the body asks for "stream": true; count_tokens; HEAD /. Writes its port to
 * PORT_FILE and appends one line per request to KEY_LOG: the last 4 characters of the x-api-key and of the
 * Authorization header it got ("-" when absent), the method, and the path with its query.
 */
public class FakeUpstream {
    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        Path keyLog = args.length > 1 ? Path.of(args[1]) : null;
        server.setExecutor(Executors.newFixedThreadPool(32));
        server.createContext("/", exchange -> handle(exchange, keyLog));
        server.start();
        Files.writeString(Path.of(args[0]), Integer.toString(server.getAddress().getPort()));
    }

    static void handle(HttpExchange exchange, Path keyLog) throws IOException {
        byte[] request = exchange.getRequestBody().readAllBytes();
        if (keyLog != null) {
            String line = tail(exchange.getRequestHeaders().getFirst("x-api-key")) + " "
                    + tail(exchange.getRequestHeaders().getFirst("authorization")) + " "
                    + exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n";
            synchronized (FakeUpstream.class) {
                Files.writeString(keyLog, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
        String path = exchange.getRequestURI().getPath();
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        if (path.endsWith("/count_tokens")) {
            send(exchange, "application/json", "{\"input_tokens\":12}");
            return;
        }
        String body = new String(request, StandardCharsets.UTF_8);
        if (body.replace(" ", "").contains("\"stream\":true")) {
            String sse = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"kimi-for-coding\",\"content\":[],\"stop_reason\":null,"
                    + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}")
                    + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                    + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"pong\"}}")
                    + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                    + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":2}}")
                    + event("message_stop", "{\"type\":\"message_stop\"}");
            send(exchange, "text/event-stream", sse);
            return;
        }
        send(exchange, "application/json", "{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"kimi-for-coding\",\"content\":[{\"type\":\"text\",\"text\":\"pong\"}],\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":2}}");
    }

    /** Only the end of a credential goes to the log: enough to tell the keys apart. */
    static String tail(String credential) {
        return credential == null ? "-" : credential.substring(Math.max(0, credential.length() - 4));
    }

    static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    static void send(HttpExchange exchange, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", type);
        exchange.getResponseHeaders().add("request-id", "req_fake");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
