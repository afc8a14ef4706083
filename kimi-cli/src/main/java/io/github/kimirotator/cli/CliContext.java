package io.github.kimirotator.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import io.github.kimirotator.cli.wiring.CliModule;
import io.github.kimirotator.cli.wiring.StorageModule;
import io.github.kimirotator.cli.wiring.StrategiesModule;
import java.io.PrintStream;
import java.util.List;

/**
 * What a running command may ask for. The Guice injector is made on first use, and its singletons are
 * created only when asked for (Stage.DEVELOPMENT), so {@code list-keys} never loads the proxy, the plugin
 * scanner or the crypto classes. Every binding is explicit and lives in one module per Maven module.
 */
public final class CliContext {
    /** Set by the {@code opencode-kimi} launcher to its own name. */
    public static final String PROGRAM_NAME_VARIABLE = "KIMI_ROTATOR_PROGRAM_NAME";

    private final Environment environment;
    private final GlobalOptions options;
    private final List<Module> extraModules;
    private Injector injector;

    public CliContext(Environment environment, GlobalOptions options, List<Module> extraModules) {
        this.environment = environment;
        this.options = options;
        this.extraModules = List.copyOf(extraModules);
    }

    public <T> T get(Class<T> type) {
        return injector().getInstance(type);
    }

    private Injector injector() {
        if (injector == null) {
            Module explicit = binder -> {
                binder.requireExplicitBindings();
                binder.disableCircularProxies();
            };
            List<Module> modules = new java.util.ArrayList<>(List.of(explicit, new CliModule(environment, options),
                    new StorageModule(), new StrategiesModule()));
            modules.addAll(extraModules);
            long start = System.nanoTime();
            injector = Guice.createInjector(Stage.DEVELOPMENT, modules);
            if (options.verbose()) {
                // Start-up time is a product goal; this is what the wiring costs (bench/startup.sh reports it).
                environment.err().printf("debug: Guice injector created in %.1f ms%n", (System.nanoTime() - start) / 1e6);
            }
        }
        return injector;
    }

    /**
     * How the user called us: {@code kimi-rotator}, or the name the {@code opencode-kimi} launcher passes in
     * {@value #PROGRAM_NAME_VARIABLE}, so usage and hints name the command the user typed.
     */
    public String programName() {
        return environment.variable(PROGRAM_NAME_VARIABLE).filter(n -> n.matches("[A-Za-z0-9._-]{1,64}")).orElse("kimi-rotator");
    }

    public Environment environment() {
        return environment;
    }

    public GlobalOptions options() {
        return options;
    }

    public PrintStream out() {
        return environment.out();
    }

    public PrintStream err() {
        return environment.err();
    }

    /** Colour only on a terminal, never with --json, and not when NO_COLOR is set. */
    public boolean colour() {
        return environment.terminal() && !options.json() && environment.variable("NO_COLOR").isEmpty();
    }
}
