package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.CliContext;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.storage.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class ServiceCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return command("service", "Install or remove a user service that runs the proxy at login (systemd user unit, launchd agent).")
                .subcommand(subcommand(new Install()))
                .subcommand(subcommand(new Uninstall()));
    }

    @Override
    protected int run() {
        throw new KimiException(ErrorCode.BAD_USAGE, "missing subcommand: 'service install [--enable]' or 'service uninstall'");
    }

    /** Where the service lives and how it is enabled on this system. */
    private record Platform(String kind, Path file, String text, List<List<String>> enable, List<List<String>> disable) {
    }

    /** The service for this accounts file; {@code serveOptions}: the options {@code serve} gets beyond its defaults. */
    private static Platform platform(CliContext context, List<String> serveOptions) {
        String os = System.getProperty("os.name", "");
        ConfigPaths paths = context.get(ConfigPaths.class);
        Path home = context.environment().home();
        Path javaHome = Path.of(System.getProperty("java.home"));
        if (os.startsWith("Windows")) {
            throw new KimiException(ErrorCode.IO_ERROR, "there is no user service on Windows: start the proxy at logon with"
                    + " Task Scheduler instead, e.g. schtasks /Create /SC ONLOGON /TN kimi-rotator /TR \"kimi-rotator.cmd start\"");
        }
        Path launcher = new BackgroundProxy(context).launcher().orElseThrow(() -> new KimiException(
                ErrorCode.IO_ERROR, "cannot tell where kimi-rotator is installed: run this through its launcher, bin/kimi-rotator"));
        if (os.startsWith("Mac")) {
            Path plist = UserService.launchdPlist(home);
            String domain = "gui/" + uid(home);
            Path log = paths.ownDir().resolve(BackgroundProxy.LOG_NAME);
            return new Platform("launchd agent", plist, UserService.launchdPlistText(launcher,
                    UserService.arguments(paths.accountsFile(), context.options().statePrefix(), serveOptions, true),
                    environment(context, javaHome), log),
                    List.of(List.of("launchctl", "bootstrap", domain, plist.toString())),
                    List.of(List.of("launchctl", "bootout", domain + "/" + UserService.LAUNCHD_LABEL)));
        }
        Path configHome = context.environment().variable("XDG_CONFIG_HOME").map(Path::of)
                .filter(Path::isAbsolute).orElse(home.resolve(".config"));
        return new Platform("systemd user unit", UserService.systemdUnit(configHome),
                UserService.systemdUnitText(launcher, paths.accountsFile(),
                        UserService.arguments(paths.accountsFile(), context.options().statePrefix(), serveOptions, false),
                        environment(context, javaHome)),
                List.of(List.of("systemctl", "--user", "daemon-reload"),
                        List.of("systemctl", "--user", "enable", "--now", UserService.SYSTEMD_NAME)),
                List.of(List.of("systemctl", "--user", "disable", "--now", UserService.SYSTEMD_NAME)));
    }

    /**
     * The service's variables: this Java, and the shared state when it is on Redis (as for {@code start}; the unit
     * file is private).
     */
    private static Map<String, String> environment(CliContext context, Path javaHome) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("JAVA_HOME", javaHome.toString());
        BackgroundProxy.passState(context, environment);
        return environment;
    }

    public static final class Install extends CliCommand {
        @Override
        protected CommandModel model() {
            return ServeOptions.addTo(command("install", "Write the user service (systemd user unit on Linux, launchd agent on macOS)"
                    + " and print how to enable it. The serve options given here are the service's.")
                    .environment("  KIMI_ROTATOR_UPSTREAM   the service's upstream when --upstream is not given",
                            "  KIMI_ROTATOR_STATE      the service's shared state when --state is not given")
                    .flag("--enable", "Also enable and start it now (runs the printed commands)."));
        }

        @Override
        protected int run() throws IOException, InterruptedException {
            boolean enable = value("--enable");
            ServeOptions options = ServeOptions.of(this, context().environment());
            // Refused here, not by a service failing at every login.
            options.toConfig();
            Platform platform = platform(context(), options.givenArgs());
            Files.createDirectories(platform.file().getParent());
            PrivateFiles.replace(platform.file(), platform.text().getBytes(StandardCharsets.UTF_8));
            context().out().println("Wrote the " + platform.kind() + " " + platform.file());
            if (!enable) {
                context().out().println("Enable and start it (at every login from then on) with:");
                for (List<String> command : platform.enable()) {
                    context().out().println("  " + String.join(" ", command));
                }
                String program = context().invocation();
                context().out().println("or run '" + program + " service install --enable'. A proxy started with '"
                        + program + " start' must be stopped first.");
                return 0;
            }
            for (List<String> command : platform.enable()) {
                execute(context(), command);
            }
            context().out().println("Enabled and started; '" + context().invocation() + " status' shows it.");
            return 0;
        }
    }

    public static final class Uninstall extends CliCommand {
        @Override
        protected CommandModel model() {
            return command("uninstall", "Stop and remove the user service written by 'service install'.");
        }

        @Override
        protected int run() throws IOException, InterruptedException {
            Platform platform = platform(context(), List.of());
            if (!Files.exists(platform.file())) {
                context().out().println("No " + platform.kind() + " installed (" + platform.file() + ")");
                return 0;
            }
            for (List<String> command : platform.disable()) {
                if (BackgroundProxy.onPath(command.get(0)).isPresent()) {
                    // Not enabled or no user manager running: nothing to stop, and the file goes all the same.
                    tryExecute(context(), command);
                }
            }
            Files.delete(platform.file());
            context().out().println("Removed the " + platform.kind() + " " + platform.file());
            return 0;
        }
    }

    private static void execute(CliContext owner, List<String> command) throws InterruptedException {
        int code = tryExecute(owner, command);
        if (code != 0) {
            throw new KimiException(ErrorCode.IO_ERROR, "'" + String.join(" ", command) + "' failed"
                    + (code > 0 ? " with exit code " + code : ": command not found"));
        }
    }

    /** Runs {@code command} with its output on ours; its exit code, or -1 when it cannot be run. */
    private static int tryExecute(CliContext owner, List<String> command) throws InterruptedException {
        owner.out().println("$ " + String.join(" ", command));
        owner.out().flush();
        try {
            Process process = new ProcessBuilder(new ArrayList<>(command)).inheritIO().start();
            return process.waitFor();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Object uid(Path home) {
        try {
            return Files.getAttribute(home, "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "$(id -u)";
        }
    }
}
