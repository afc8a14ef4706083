package io.github.kimirotator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TestProxyConfig {

    @Test
    void defaultsAreTheContracts() {
        ProxyConfig c = ProxyConfig.defaults("t");

        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8787);
        assertThat(c.upstream()).isEqualTo(URI.create("https://api.kimi.com/coding"));
        assertThat(c.maxWait()).isZero();
        assertThat(c.failoverTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(c.maxInFlightPerKey()).isZero();
        assertThat(c.authRequired()).isTrue();
        assertThat(c.withToken(null).authRequired()).isFalse();
    }

    @Test
    void upstreamLosesItsTrailingSlash() {
        assertThat(ProxyConfig.defaults("t").withUpstream(URI.create("http://h:1/base/")).upstream())
                .isEqualTo(URI.create("http://h:1/base"));
    }

    @Test
    void invalidValuesAreRefusedNamingTheValue() {
        ProxyConfig c = ProxyConfig.defaults("t");
        assertInvalid(() -> c.withPort(70000), "70000");
        assertInvalid(() -> c.withUpstream(URI.create("ftp://h/x")), "ftp://h/x");
        assertInvalid(() -> c.withUpstream(URI.create("http://h/x?q=1")), "http://h/x?q=1");
        assertInvalid(() -> c.withFailoverTimeout(Duration.ZERO), "failover timeout");
        assertInvalid(() -> c.withMaxWait(Duration.ofSeconds(-1)), "max wait");
        assertInvalid(() -> c.withMaxBodyBytes(0), "max body size 0");
        assertInvalid(() -> c.withMaxInFlightPerKey(-1), "-1");
        assertInvalid(() -> c.withToken(" "), "token");
    }

    private static void assertInvalid(Runnable r, String named) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(KimiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(named);
        });
    }
}
