package io.github.kimirotator.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.strategies.health.HealthPolicy;
import io.github.kimirotator.strategies.report.StatusReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard: its page and assets under {@code /_kimi/} (served from the jar, no token needed, since they
 * hold no data), the per-minute history, and the actions the page's buttons call (contract section 3). The
 * actions change the accounts file under its lock as the CLI commands do ({@code clear-limits},
 * {@code use-key}, {@code set-strategy}), and refuse anything a foreign web page could send: a foreign
 * {@code Origin}, a cross-site fetch, or a content type other than JSON (which a plain HTML form cannot send).
 */
final class Dashboard {
    static final String PAGE = "/_kimi/";
    static final String API = "/_kimi/api/";
    static final String HISTORY = "/_kimi/api/history";
    static final String STRATEGY = "/_kimi/api/strategy";
    static final String STRATEGIES = "/_kimi/api/strategies";
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    private static final Pattern KEY_ACTION = Pattern.compile("/_kimi/api/keys/(\\d{1,4})/(clear-limits|activate)");
    private static final String PERMISSION = "permission_error";
    private static final int MAX_ACTION_BODY = 16 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Only the page's own origin; no inline script or style, no framing, no form posts, no plugins. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** An asset of the page, read once from the jar. */
    private record Asset(String contentType, byte[] bytes) {
    }

    private final Map<String, Asset> assets;
    private final StateSync sync;
    private final Set<String> strategies;
    private final Supplier<StatusReport> status;
    private final History history;

    Dashboard(StateSync sync, Set<String> strategies, Supplier<StatusReport> status, History history) {
        this.sync = sync;
        this.strategies = Set.copyOf(strategies);
        this.status = status;
        this.history = history;
        this.assets = Map.of(
                PAGE, asset("index.html", "text/html; charset=utf-8"),
                "/_kimi", asset("index.html", "text/html; charset=utf-8"),
                "/_kimi/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"),
                "/_kimi/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"));
    }

    /** Whether {@code path} is the page or one of its assets. */
    boolean isPage(String path) {
        return path != null && assets.containsKey(path);
    }

    /** Whether {@code path} is one of the data or action endpoints (all of which need the token). */
    static boolean isApi(String path) {
        return path.startsWith(API);
    }

    /** The page and its assets, with the headers that keep them to their own origin. */
    void page(Request request, Response response, Callback callback) {
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            ErrorAnswers.send(secured(response), callback, 405, ErrorAnswers.INVALID_REQUEST, "the page only answers GET");
            return;
        }
        Asset asset = assets.get(request.getHttpURI().getCanonicalPath());
        response.setStatus(200);
        secured(response).getHeaders().put(HttpHeader.CONTENT_TYPE, asset.contentType());
        response.write(true, HttpMethod.HEAD.is(request.getMethod()) ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(asset.bytes()), callback);
    }

    /** A data or action endpoint, for a request that carried the local token. */
    void api(Request request, Response response, Callback callback) throws JsonProcessingException {
        secured(response);
        String path = request.getHttpURI().getCanonicalPath();
        if (HISTORY.equals(path)) {
            json(response, callback, 200, MAPPER.writeValueAsBytes(history.snapshot()));
            return;
        }
        if (STRATEGIES.equals(path)) {
            json(response, callback, 200, MAPPER.writeValueAsBytes(Map.of("strategies", new TreeSet<>(strategies))));
            return;
        }
        Matcher key = KEY_ACTION.matcher(path);
        if (!key.matches() && !STRATEGY.equals(path)) {
            ErrorAnswers.send(response, callback, 404, ErrorAnswers.NOT_FOUND, "not found: " + path);
            return;
        }
        if (!HttpMethod.POST.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            ErrorAnswers.send(response, callback, 405, ErrorAnswers.INVALID_REQUEST, "actions are POST requests");
            return;
        }
        String refusal = crossSite(request);
        if (refusal != null) {
            ErrorAnswers.send(response, callback, 403, PERMISSION, refusal);
            return;
        }
        BodyReader.read(request, MAX_ACTION_BODY, new BodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                UnaryOperator<AccountsState> change;
                try {
                    change = key.matches() ? keyAction(Integer.parseInt(key.group(1)), key.group(2))
                            : strategyAction(body);
                } catch (KimiException e) {
                    refuse(response, callback, e);
                    return;
                }
                act(change, response, callback);
            }

            @Override
            public void tooLarge() {
                ErrorAnswers.send(response, callback, 413, ErrorAnswers.TOO_LARGE, "an action's body is a small JSON object");
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure);
            }
        });
    }

    /**
     * Why a browser would only send this request from another site, or null when it is the page's own: the
     * token already keeps other pages out, this refuses them before the token is even looked at.
     */
    static String crossSite(Request request) {
        HttpFields headers = request.getHeaders();
        String origin = headers.get(HttpHeader.ORIGIN);
        String host = headers.get(HttpHeader.HOST);
        if (origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host))) {
            return "cross-site request refused: Origin " + origin + " is not this proxy's";
        }
        String site = headers.get("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return "cross-site request refused (Sec-Fetch-Site: " + site + ")";
        }
        String type = headers.get(HttpHeader.CONTENT_TYPE);
        String mime = type == null ? "" : MimeTypes.getBase(type).toLowerCase(Locale.ROOT).strip();
        if (!mime.equals("application/json")) {
            return "actions need Content-Type: application/json";
        }
        return null;
    }

    private UnaryOperator<AccountsState> keyAction(int index, String action) {
        if ("clear-limits".equals(action)) {
            return state -> state.withAccount(checked(state, index), HealthPolicy::clearLimits);
        }
        return state -> state.activeIndex() == checked(state, index) ? state : state.withActiveIndex(index);
    }

    private UnaryOperator<AccountsState> strategyAction(byte[] body) {
        JsonNode name;
        try {
            name = MAPPER.readTree(body).path("name");
        } catch (IOException e) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "the body must be JSON like {\"name\": \"round-robin\"}");
        }
        if (!name.isTextual() || !strategies.contains(name.textValue())) {
            throw new KimiException(ErrorCode.UNKNOWN_STRATEGY, "unknown strategy " + (name.isTextual()
                    ? "'" + name.textValue() + "'" : "(no name given)") + "; valid: "
                    + String.join(", ", new TreeSet<>(strategies)));
        }
        String chosen = name.textValue();
        return state -> chosen.equals(state.effectiveStrategy()) ? state : state.withStrategy(chosen);
    }

    private static int checked(AccountsState state, int index) {
        int count = state.accounts().size();
        if (index >= count) {
            throw new KimiException(ErrorCode.INDEX_OUT_OF_RANGE, "index " + index + " is out of range: there "
                    + (count == 1 ? "is 1 key" : "are " + count + " keys"));
        }
        return index;
    }

    private void act(UnaryOperator<AccountsState> change, Response response, Callback callback) {
        try {
            sync.apply(change).whenComplete((written, failure) -> {
                if (failure == null) {
                    try {
                        json(response, callback, 200, MAPPER.writeValueAsBytes(status.get()));
                    } catch (JsonProcessingException e) {
                        callback.failed(e);
                    }
                    return;
                }
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof KimiException e) {
                    refuse(response, callback, e);
                } else {
                    LOG.error("a dashboard action failed", cause);
                    ErrorAnswers.send(response, callback, 500, ErrorAnswers.API, "the action failed; the proxy's log has the details");
                }
            });
        } catch (RejectedExecutionException e) {
            ErrorAnswers.send(response, callback, 503, ErrorAnswers.API, "the proxy is shutting down");
        }
    }

    private static void refuse(Response response, Callback callback, KimiException e) {
        int code = e.code().httpStatus();
        String type = code == 404 ? ErrorAnswers.NOT_FOUND : code < 500 ? ErrorAnswers.INVALID_REQUEST : ErrorAnswers.API;
        ErrorAnswers.send(response, callback, code, type, e.getMessage());
    }

    private static void json(Response response, Callback callback, int code, byte[] body) {
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The headers every answer of the dashboard carries. */
    static Response secured(Response response) {
        HttpFields.Mutable h = response.getHeaders();
        h.put("Content-Security-Policy", CSP);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put("X-Frame-Options", "DENY");
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        return response;
    }

    private static Asset asset(String name, String contentType) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
            }
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
