package io.github.kimirotator.cli.commands;

import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import java.util.Optional;

public final class StartCommand extends CliCommand {
    @Override
    protected CommandModel model() {
        return ServeOptions.addTo(command("start", "Start the proxy in the background (log in <config dir>/kimi-rotator/serve.log);"
                + " takes the options of 'serve'.")
                .environment("  KIMI_ROTATOR_UPSTREAM   the upstream API when --upstream is not given"));
    }

    @Override
    protected int run() {
        ServeOptions options = ServeOptions.of(this, context().environment());
        options.toConfig();
        BackgroundProxy proxies = new BackgroundProxy(context());
        Optional<BackgroundProxy.Running> running = proxies.find();
        if (running.isPresent()) {
            context().out().println("A proxy already serves this file at " + running.get().url() + " (pid "
                    + running.get().pid() + ")");
            return 0;
        }
        BackgroundProxy.Running started = proxies.start(options.allArgs());
        context().out().println("Started a proxy at " + started.url() + " (pid " + started.pid() + "); log: "
                + proxies.logFile());
        String program = context().invocation();
        context().out().println("Point a client at it with '" + program + " run -- claude' (or '" + program
                + " config claude-code'); stop it with '" + program + " stop'.");
        return 0;
    }
}
