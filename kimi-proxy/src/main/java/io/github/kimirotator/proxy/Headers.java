package io.github.kimirotator.proxy;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/** Which headers cross the proxy, in each direction (RFC 9110 section 7.6.1 for the hop-by-hop ones). */
final class Headers {
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade");
    /**
     * Never forwarded upstream: the client's credentials (the proxy's local token), and what the upstream
     * request sets for itself (its own host, the length of the body it sends, and no 100-continue handshake
     * since the whole body is already here).
     */
    private static final Set<String> NOT_FORWARDED = Set.of(
            "x-api-key", "authorization", "host", "content-length", "expect");

    private Headers() {
    }

    /** The client's request headers as they go upstream, with {@code x-api-key} set to {@code key}. */
    static void copyToUpstream(HttpFields from, HttpFields.Mutable to, String key) {
        Set<String> listed = connectionListed(from);
        for (HttpField f : from) {
            String name = f.getLowerCaseName();
            if (!HOP_BY_HOP.contains(name) && !NOT_FORWARDED.contains(name) && !listed.contains(name)) {
                to.add(f);
            }
        }
        to.put("x-api-key", key);
    }

    /**
     * The upstream's response headers as they go to the client. {@code keepLength} is false when the body is
     * re-sent from a buffer, which then sets its own length.
     */
    static void copyToClient(HttpFields from, HttpFields.Mutable to, boolean keepLength) {
        Set<String> listed = connectionListed(from);
        for (HttpField f : from) {
            String name = f.getLowerCaseName();
            if (HOP_BY_HOP.contains(name) || listed.contains(name)
                    || !keepLength && f.getHeader() == HttpHeader.CONTENT_LENGTH) {
                continue;
            }
            to.add(f);
        }
    }

    /** Headers named by {@code Connection}, which are hop-by-hop too (RFC 9110 section 7.6.1). */
    private static Set<String> connectionListed(HttpFields fields) {
        Set<String> names = new HashSet<>();
        for (String value : fields.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty()) {
                    names.add(n);
                }
            }
        }
        return names;
    }
}
