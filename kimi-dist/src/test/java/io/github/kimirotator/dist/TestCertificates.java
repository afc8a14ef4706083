package io.github.kimirotator.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 it signed, made with the JDK's
 * {@code keytool} at test time (PEM files, as Redis wants them; the server's private key as PKCS#8 PEM).
 *
 * @param ca the authority's certificate, what a client trusts
 * @param cert the server's certificate
 * @param key the server's private key
 */
record TestCertificates(Path ca, Path cert, Path key) {
    private static final String PASS = "changeit";

    /** A new authority and server certificate in {@code dir}. */
    static TestCertificates create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(dir);
        Path caStore = dir.resolve("ca.p12");
        Path serverStore = dir.resolve("server.p12");
        Path csr = dir.resolve("server.csr");
        TestCertificates made = new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"),
                dir.resolve("server.key"));
        keytool("-genkeypair", "-keystore", caStore, "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=kimi-rotator test CA " + dir.getFileName(), "-ext", "bc:c", "-validity", "2");
        keytool("-exportcert", "-keystore", caStore, "-alias", "ca", "-rfc", "-file", made.ca());
        keytool("-genkeypair", "-keystore", serverStore, "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-validity", "2");
        keytool("-certreq", "-keystore", serverStore, "-alias", "server", "-file", csr);
        keytool("-gencert", "-keystore", caStore, "-alias", "ca", "-infile", csr, "-outfile", made.cert(), "-rfc",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth", "-validity", "2");
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
            server.load(in, PASS.toCharArray());
        }
        Key key = server.getKey("server", PASS.toCharArray());
        Files.writeString(made.key(), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return made;
    }

    private static void keytool(Object... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), args[0].toString(), "-storetype", "PKCS12", "-storepass", PASS));
        for (int i = 1; i < args.length; i++) {
            command.add(args[i].toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }
}
