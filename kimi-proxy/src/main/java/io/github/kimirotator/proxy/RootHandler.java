package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.kimirotator.api.state.KeyStateBackend;
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
 * {@code /_kimi/}, and everything under {@code /v1/} to the upstream. Nothing here blocks (bodies are read and
 * sent asynchronously, the file is never touched), so Jetty may run it without handing it to another thread.
 */
final class RootHandler extends Handler.Abstract.NonBlocking {
    static final String HEALTH = "/_kimi/health";
    static final String STATUS = "/_kimi/status";
    static final String METRICS = "/_kimi/metrics";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Bodies held are sent on within moments; a second is long enough for room to free up. */
    private static final long OVERLOADED_RETRY_AFTER_SECONDS = 1;

    private final ProxyConfig config;
    private final LocalAuth auth;
    private final Forwarder forwarder;
    private final ProxyMetrics metrics;
    private final Supplier<StatusReport> status;
    private final Dashboard dashboard;
    private final Supplier<KeyStateBackend.Status> sharedState;
    private final boolean ownEndpointsWait;

    /**
     * @param ownEndpointsWait whether the status, metrics and dashboard endpoints may wait for the shared state's
     *     I/O ({@link KeyStateBackend#waitsForIo()}): then they run on a pool thread, not on the network thread
     */
    RootHandler(ProxyConfig config, Forwarder forwarder, ProxyMetrics metrics, Supplier<StatusReport> status,
            Dashboard dashboard, Supplier<KeyStateBackend.Status> sharedState, boolean ownEndpointsWait) {
        this.sharedState = sharedState;
        this.ownEndpointsWait = ownEndpointsWait;
        this.config = config;
        this.dashboard = dashboard;
        this.auth = new LocalAuth(config.token());
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.status = status;
    }

    /** One request being routed, and when it arrived. */
    private record Call(Request request, Response response, Callback callback, long arrivalNanos) {
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws JsonProcessingException {
        Call call = new Call(request, response, callback, System.nanoTime());
        String path = request.getHttpURI().getCanonicalPath();
        if ("/".equals(path) && HttpMethod.HEAD.is(request.getMethod())) {
            response.setStatus(200);
            callback.succeeded();
        } else if (HEALTH.equals(path)) {
            send(call, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
        } else if (dashboard.isPage(path)) {
            dashboard.page(request, response, callback);
        } else if (!STATUS.equals(path) && !METRICS.equals(path) && (path == null
                || !path.startsWith("/v1/") && !Dashboard.isApi(path))) {
            reject(call, 404, ErrorAnswers.NOT_FOUND, "not found: " + request.getHttpURI().getPath()
                    + " (the proxy serves /v1/...)");
        } else if (!auth.allows(request.getHeaders())) {
            reject(call, 401, ErrorAnswers.AUTHENTICATION, "missing or wrong local token: send the token of"
                    + " `kimi-rotator serve` as x-api-key or Authorization: Bearer (`kimi-rotator config` prints"
                    + " the settings)");
        } else if (STATUS.equals(path) || METRICS.equals(path) || Dashboard.isApi(path)) {
            if (ownEndpointsWait) {
                request.getComponents().getExecutor().execute(() -> own(call, path));
            } else {
                own(call, path);
            }
        } else {
            forward(call);
        }
        return true;
    }

    /** The proxy's own endpoints (status, metrics, the dashboard's API). */
    private void own(Call call, String path) {
        try {
            if (STATUS.equals(path)) {
                send(call, "application/json", MAPPER.writeValueAsBytes(statusDocument()));
            } else if (METRICS.equals(path)) {
                send(call, ProxyMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
            } else {
                dashboard.api(call.request(), call.response(), call.callback());
            }
        } catch (JsonProcessingException | RuntimeException e) {
            call.callback().failed(e);
        }
    }

    /** The keys, and where their shared state lives: {@code "state": {"backend", "connected", "since"}}. */
    private ObjectNode statusDocument() {
        ObjectNode document = MAPPER.valueToTree(status.get());
        KeyStateBackend.Status shared = sharedState.get();
        ObjectNode state = document.putObject("state");
        state.put("backend", shared.backend());
        state.put("connected", shared.connected());
        state.put("since", shared.since().toString());
        return document;
    }

    private void forward(Call call) {
        URI target;
        try {
            target = forwarder.target(call.request());
        } catch (IllegalArgumentException e) {
            reject(call, 400, ErrorAnswers.INVALID_REQUEST, "the request path cannot be forwarded");
            return;
        }
        // Waiting for the upstream leaves the client connection idle; the proxy's own deadlines bound that wait.
        call.request().addIdleTimeoutListener(timeout -> false);
        BodyReader.read(call.request(), config.maxBodyBytes(), forwarder.budget, new BodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                new Exchange(forwarder, call.request(), call.response(), call.callback(), target, body,
                        call.arrivalNanos()).start();
            }

            @Override
            public void tooLarge() {
                reject(call, 413, ErrorAnswers.TOO_LARGE, "the request body is larger than " + config.maxBodyBytes()
                        + " bytes (`kimi-rotator serve --max-body-mib`)");
            }

            @Override
            public void overBudget() {
                call.response().getHeaders().put(HttpHeader.RETRY_AFTER, OVERLOADED_RETRY_AFTER_SECONDS);
                reject(call, 503, ErrorAnswers.OVERLOADED, "the proxy holds " + config.maxBufferedBytes()
                        + " bytes of request bodies already (`kimi-rotator serve --max-buffered-mib`); retry shortly");
            }

            @Override
            public void failed(Throwable failure) {
                call.callback().failed(failure instanceof EofException ? failure : new EofException(failure));
            }
        });
    }

    private void reject(Call call, int code, String type, String message) {
        metrics.answered(code);
        AccessLog.log(call.request().getMethod(), call.request().getHttpURI().getPath(), code, "", "-", 0, 0,
                call.arrivalNanos());
        ErrorAnswers.send(call.response(), call.callback(), code, type, message);
    }

    private static void send(Call call, String contentType, byte[] body) {
        call.response().setStatus(200);
        call.response().getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        call.response().write(true, ByteBuffer.wrap(body), call.callback());
    }
}
