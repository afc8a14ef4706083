package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class TestSessionIds {
    private static final byte[] NO_BODY = new byte[0];

    @Test
    void headersComeFirstInTheContractsOrder() {
        HttpFields all = HttpFields.build().add("x-session-id", "c").add("x-session-affinity", "b")
                .add("X-Claude-Code-Session-Id", "a");

        assertThat(SessionIds.of(all, body("{\"metadata\":{\"user_id\":\"d\"}}"))).hasValue("a");
        assertThat(SessionIds.of(HttpFields.build().add("x-session-id", "c").add("x-session-affinity", "b"), NO_BODY))
                .hasValue("b");
        assertThat(SessionIds.of(HttpFields.build().add("x-session-id", "c"), NO_BODY)).hasValue("c");
    }

    @Test
    void claudeCodesUserIdJsonGivesItsSessionId() {
        String userId = "{\\\"device_id\\\":\\\"dev\\\",\\\"account_uuid\\\":\\\"acc\\\",\\\"session_id\\\":\\\"ses-9\\\"}";
        String request = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"{\\\"metadata\\\":1}\"}]}],\"metadata\":{\"other\":{\"x\":[1]},\"user_id\":\"" + userId + "\"}}";

        assertThat(SessionIds.of(HttpFields.EMPTY, body(request))).hasValue("ses-9");
    }

    @Test
    void anyOtherUserIdIsTheSessionItself() {
        assertThat(SessionIds.of(HttpFields.EMPTY, body("{\"metadata\":{\"user_id\":\"user_abc\"}}")))
                .hasValue("user_abc");
        assertThat(SessionIds.of(HttpFields.EMPTY, body("{\"metadata\":{\"user_id\":\"{\\\"device_id\\\":\\\"d\\\"}\"}}")))
                .hasValue("{\"device_id\":\"d\"}");
    }

    @Test
    void noSessionAnywhereIsEmpty() {
        assertThat(SessionIds.of(HttpFields.EMPTY, NO_BODY)).isEmpty();
        assertThat(SessionIds.of(HttpFields.EMPTY, body("not json"))).isEmpty();
        assertThat(SessionIds.of(HttpFields.EMPTY, body("[1,2]"))).isEmpty();
        assertThat(SessionIds.of(HttpFields.EMPTY, body("{\"metadata\":{\"user_id\":7}}"))).isEmpty();
        assertThat(SessionIds.of(HttpFields.build().add("x-session-id", " "), body("{}"))).isEqualTo(Optional.empty());
    }

    private static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
