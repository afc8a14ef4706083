package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.strategies.report.StatusReport;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes every request: {@code HEAD /} (old Claude Code versions probe it), the proxy's own endpoints under
 * {@code /_kimi/}, and everything under {@code /v1/} to the upstream.
 */
final class RootHandler extends Handler.Abstract {
    static final String HEALTH = "/_kimi/health";
    static final String STATUS = "/_kimi/status";
    static final String METRICS = "/_kimi/metrics";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ProxyConfig config;
    private final LocalAuth auth;
    private final Forwarder forwarder;
    private final ProxyMetrics metrics;
    private final Supplier<StatusReport> status;

    RootHandler(ProxyConfig config, Forwarder forwarder, ProxyMetrics metrics, Supplier<StatusReport> status) {
        this.config = config;
        this.auth = new LocalAuth(config.token());
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.status = status;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws JsonProcessingException {
        long arrivalNanos = System.nanoTime();
        String path = request.getHttpURI().getCanonicalPath();
        if ("/".equals(path) && HttpMethod.HEAD.is(request.getMethod())) {
            response.setStatus(200);
            callback.succeeded();
            return true;
        }
        if (HEALTH.equals(path)) {
            send(response, callback, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        boolean ownEndpoint = STATUS.equals(path) || METRICS.equals(path);
        if (!ownEndpoint && (path == null || !path.startsWith("/v1/"))) {
            answer(request, response, callback, arrivalNanos, 404, ErrorAnswers.NOT_FOUND, "not found: " + request.getHttpURI().getPath()
                    + " (the proxy serves /v1/...)");
            return true;
        }
        if (!auth.allows(request.getHeaders())) {
            answer(request, response, callback, arrivalNanos, 401, ErrorAnswers.AUTHENTICATION, "missing or wrong local token: send the"
                    + " token of `kimi-rotator serve` as x-api-key or Authorization: Bearer"
                    + " (`kimi-rotator config` prints the settings)");
            return true;
        }
        if (STATUS.equals(path)) {
            send(response, callback, "application/json", MAPPER.writeValueAsBytes(status.get()));
        } else if (METRICS.equals(path)) {
            send(response, callback, ProxyMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
        } else {
            forward(request, response, callback, arrivalNanos);
        }
        return true;
    }

    private void forward(Request request, Response response, Callback callback, long arrivalNanos) {
        URI target;
        try {
            target = forwarder.target(request);
        } catch (IllegalArgumentException e) {
            answer(request, response, callback, arrivalNanos, 400, ErrorAnswers.INVALID_REQUEST, "the request path cannot be forwarded");
            return;
        }
        // Waiting for the upstream leaves the client connection idle; the proxy's own deadlines bound that wait.
        request.addIdleTimeoutListener(timeout -> false);
        BodyReader.read(request, config.maxBodyBytes(), new BodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                Exchange exchange = new Exchange(forwarder, request, response, callback, target, body, arrivalNanos);
                request.addFailureListener(exchange::clientFailed);
                exchange.next();
            }

            @Override
            public void tooLarge() {
                answer(request, response, callback, arrivalNanos, 413, ErrorAnswers.TOO_LARGE, "the request body is larger than "
                        + config.maxBodyBytes() + " bytes (`kimi-rotator serve --max-body-mib`)");
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure instanceof EofException ? failure : new EofException(failure));
            }
        });
    }

    private void answer(Request request, Response response, Callback callback, long arrivalNanos, int code,
            String type, String message) {
        metrics.answered(code);
        AccessLog.log(request.getMethod(), request.getHttpURI().getPath(), code, "", "-", 0, 0, arrivalNanos);
        ErrorAnswers.send(response, callback, code, type, message);
    }

    private static void send(Response response, Callback callback, String contentType, byte[] body) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
