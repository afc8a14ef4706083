package io.github.kimirotator.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

class TestUserService {
    private static final Path LAUNCHER = Path.of("/opt/kimi rotator/bin/kimi-rotator");
    private static final Path ACCOUNTS = Path.of("/Users/me/.config/opencode/kimi-accounts.json");
    private static final Path JAVA = Path.of("/Library/Java/JavaVirtualMachines/temurin-17.jdk/Contents/Home");
    private static final Path LOG = Path.of("/Users/me/.config/opencode/kimi-rotator/serve.log");

    @Test
    void launchdPlistIsValidXmlWithTheExpectedKeys() throws Exception {
        String text = UserService.launchdPlistText(LAUNCHER, UserService.arguments(ACCOUNTS, null, List.of(), true),
                Map.of("JAVA_HOME", JAVA.toString()), LOG);
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        // The plist names Apple's DTD; it must not be fetched.
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Element root = factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("plist");
        Map<String, Element> dict = dict(firstElement(root));

        assertThat(dict.keySet()).containsExactly("Label", "ProgramArguments", "EnvironmentVariables", "RunAtLoad",
                "KeepAlive", "ProcessType", "StandardOutPath", "StandardErrorPath");
        assertThat(dict.get("Label").getTextContent()).isEqualTo("io.github.kimirotator.kimi-rotator");
        assertThat(strings(dict.get("ProgramArguments")))
                .containsExactly(LAUNCHER.toString(), "--config", ACCOUNTS.toString(), "serve", "--detached");
        assertThat(dict(dict.get("EnvironmentVariables")).get("JAVA_HOME").getTextContent()).isEqualTo(JAVA.toString());
        assertThat(dict.get("RunAtLoad").getTagName()).isEqualTo("true");
        assertThat(dict(dict.get("KeepAlive")).get("SuccessfulExit").getTagName()).as("restart on failure").isEqualTo("false");
        assertThat(dict.get("StandardOutPath").getTextContent()).isEqualTo(LOG.toString());
        assertThat(UserService.launchdPlist(Path.of("/Users/me")))
                .isEqualTo(Path.of("/Users/me/Library/LaunchAgents/io.github.kimirotator.kimi-rotator.plist"));
    }

    @Test
    void plistEscapesXmlAndUnitEscapesSystemdSpecials() {
        String plist = UserService.launchdPlistText(Path.of("/a&b/<c>/kimi-rotator"),
                UserService.arguments(ACCOUNTS, null, List.of(), true), Map.of("JAVA_HOME", JAVA.toString()), LOG);
        assertThat(plist).contains("<string>/a&amp;b/&lt;c&gt;/kimi-rotator</string>");
        String unit = UserService.systemdUnitText(Path.of("/home/me/100%/\"q\"/$x/kimi-rotator"), ACCOUNTS,
                UserService.arguments(ACCOUNTS, null, List.of(), false), Map.of("JAVA_HOME", JAVA.toString()));
        assertThat(unit).contains("ExecStart=\"/home/me/100%%/\\\"q\\\"/$$x/kimi-rotator\" --config \"" + ACCOUNTS + "\" serve\n");
    }

    @Test
    void serveOptionsAndTheSharedStateGoIntoTheServiceQuoted() throws Exception {
        List<String> arguments = UserService.arguments(ACCOUNTS, "team a:", List.of("--port", "4000", "--upstream",
                "http://127.0.0.1:9/$HOME%", "--no-auth"), false);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("JAVA_HOME", JAVA.toString());
        environment.put("KIMI_ROTATOR_STATE", "redis://:pw@127.0.0.1:6379/2");
        String unit = UserService.systemdUnitText(LAUNCHER, ACCOUNTS, arguments, environment);
        assertThat(unit).contains("ExecStart=\"" + LAUNCHER + "\" --config \"" + ACCOUNTS + "\" --state-prefix \"team a:\" serve"
                + " --port \"4000\" --upstream \"http://127.0.0.1:9/$$HOME%%\" --no-auth\n");
        assertThat(unit).contains("Environment=\"JAVA_HOME=" + JAVA + "\"\nEnvironment=\"KIMI_ROTATOR_STATE=redis://:pw@127.0.0.1:6379/2\"\n");

        String plist = UserService.launchdPlistText(LAUNCHER, UserService.arguments(ACCOUNTS, null, List.of("--port", "4000"), true),
                environment, LOG);
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Map<String, Element> dict = dict(firstElement(factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(plist.getBytes(StandardCharsets.UTF_8))).getDocumentElement()));
        assertThat(strings(dict.get("ProgramArguments"))).containsExactly(LAUNCHER.toString(), "--config", ACCOUNTS.toString(),
                "serve", "--detached", "--port", "4000");
        assertThat(dict(dict.get("EnvironmentVariables")).get("KIMI_ROTATOR_STATE").getTextContent())
                .isEqualTo("redis://:pw@127.0.0.1:6379/2");
    }

    private static Element firstElement(Node parent) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                return e;
            }
        }
        throw new AssertionError("no element in " + parent.getNodeName());
    }

    /** A plist {@code <dict>}: each {@code <key>} with the element after it. */
    private static Map<String, Element> dict(Element dict) {
        assertThat(dict.getTagName()).isEqualTo("dict");
        Map<String, Element> entries = new LinkedHashMap<>();
        String key = null;
        for (Node n = dict.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                if (key == null) {
                    assertThat(e.getTagName()).isEqualTo("key");
                    key = e.getTextContent();
                } else {
                    entries.put(key, e);
                    key = null;
                }
            }
        }
        assertThat(key).as("every key has a value").isNull();
        return entries;
    }

    private static List<String> strings(Element array) {
        assertThat(array.getTagName()).isEqualTo("array");
        List<String> values = new ArrayList<>();
        for (Node n = array.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                assertThat(e.getTagName()).isEqualTo("string");
                values.add(e.getTextContent());
            }
        }
        return values;
    }
}
