package io.github.kimirotator.cli.commands;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The user service that runs {@code serve} at login and restarts it when it fails: a systemd user unit on
 * Linux, a launchd agent on macOS. Only text here; {@link ServiceCommand} writes and enables it.
 */
final class UserService {
    static final String SYSTEMD_NAME = "kimi-rotator.service";
    static final String LAUNCHD_LABEL = "io.github.kimirotator.kimi-rotator";

    private UserService() {
    }

    /** {@code <config home>/systemd/user/kimi-rotator.service}; the config home is {@code $XDG_CONFIG_HOME} or {@code ~/.config}. */
    static Path systemdUnit(Path configHome) {
        return configHome.resolve("systemd").resolve("user").resolve(SYSTEMD_NAME);
    }

    /** {@code ~/Library/LaunchAgents/io.github.kimirotator.kimi-rotator.plist}. */
    static Path launchdPlist(Path home) {
        return home.resolve("Library").resolve("LaunchAgents").resolve(LAUNCHD_LABEL + ".plist");
    }

    /**
     * The launcher's arguments that run the proxy of {@code accountsFile}: the global options, {@code serve}, then
     * {@code serveOptions}; for the user service and for a proxy started in the background. A mutable list.
     */
    static List<String> arguments(Path accountsFile, String statePrefix, List<String> serveOptions, boolean detached) {
        List<String> arguments = new ArrayList<>(List.of("--config", accountsFile.toString()));
        if (statePrefix != null) {
            arguments.addAll(List.of("--state-prefix", statePrefix));
        }
        arguments.add("serve");
        if (detached) {
            arguments.add("--detached");
        }
        arguments.addAll(serveOptions);
        return arguments;
    }

    /** The unit running {@code launcher arguments} (see {@link #arguments}) with the variables {@code environment}. */
    static String systemdUnitText(Path launcher, Path accountsFile, List<String> arguments, Map<String, String> environment) {
        StringBuilder execStart = new StringBuilder(quote(launcher.toString(), true));
        for (String argument : arguments) {
            // Option and command names as they are; every other word (files, values) quoted.
            execStart.append(' ').append(argument.matches("(--)?[a-z][a-z-]*") ? argument : quote(argument, true));
        }
        StringBuilder variables = new StringBuilder();
        environment.forEach((name, value) -> variables.append("Environment=").append(quote(name + "=" + value, false)).append('\n'));
        return "# Written by 'kimi-rotator service install'; 'kimi-rotator service uninstall' removes it.\n"
                + "[Unit]\n"
                + "Description=kimi-rotator: local proxy rotating the Kimi keys of " + specifiers(accountsFile.toString()) + "\n"
                + "After=network.target\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "ExecStart=" + execStart + "\n"
                + variables
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "# The JVM exits with 143 on SIGTERM ('systemctl stop', 'kimi-rotator stop'): a clean stop, not a failure.\n"
                + "SuccessExitStatus=143\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }

    /** The agent running {@code launcher arguments} (see {@link #arguments}) with {@code environment}, output to {@code log}. */
    static String launchdPlistText(Path launcher, List<String> arguments, Map<String, String> environment, Path log) {
        StringBuilder args = new StringBuilder();
        List<String> program = new ArrayList<>(List.of(launcher.toString()));
        program.addAll(arguments);
        for (String arg : program) {
            args.append("    <string>").append(xml(arg)).append("</string>\n");
        }
        StringBuilder variables = new StringBuilder();
        environment.forEach((name, value) -> variables.append("    <key>").append(xml(name)).append("</key>\n    <string>")
                .append(xml(value)).append("</string>\n"));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                + "<!-- Written by 'kimi-rotator service install'; 'kimi-rotator service uninstall' removes it. -->\n"
                + "<plist version=\"1.0\">\n"
                + "<dict>\n"
                + "  <key>Label</key>\n  <string>" + LAUNCHD_LABEL + "</string>\n"
                + "  <key>ProgramArguments</key>\n  <array>\n" + args + "  </array>\n"
                + "  <key>EnvironmentVariables</key>\n  <dict>\n" + variables + "  </dict>\n"
                + "  <key>RunAtLoad</key>\n  <true/>\n"
                + "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n"
                + "  <key>ProcessType</key>\n  <string>Background</string>\n"
                + "  <key>StandardOutPath</key>\n  <string>" + xml(log.toString()) + "</string>\n"
                + "  <key>StandardErrorPath</key>\n  <string>" + xml(log.toString()) + "</string>\n"
                + "</dict>\n"
                + "</plist>\n";
    }

    /**
     * One systemd word in double quotes: backslash and quote escaped, {@code %} doubled, and {@code $} doubled
     * in a command line (where systemd expands variables).
     */
    static String quote(String word, boolean commandLine) {
        String escaped = specifiers(word).replace("\\", "\\\\").replace("\"", "\\\"");
        return "\"" + (commandLine ? escaped.replace("$", "$$") : escaped) + "\"";
    }

    private static String specifiers(String text) {
        return text.replace("%", "%%").replace("\n", " ");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
