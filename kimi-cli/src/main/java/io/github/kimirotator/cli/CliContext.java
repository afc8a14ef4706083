package io.github.kimirotator.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import io.github.kimirotator.cli.wiring.CliModule;
import io.github.kimirotator.cli.wiring.StrategiesModule;
import io.github.kimirotator.api.AccountsState;
import io.github.kimirotator.api.state.KeyStateBackend;
import io.github.kimirotator.storage.AccountsFile;
import io.github.kimirotator.storage.AccountsStore;
import io.github.kimirotator.storage.ConfigPaths;
import io.github.kimirotator.strategies.health.HealthPolicy;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What a running command may ask for. Reading and changing keys needs only the accounts file, the clock and
 * the health rules: those are made here directly, on first use. The Guice injector, with its singletons made
 * only when asked for (Stage.DEVELOPMENT), is built only when a command asks for something else: the
 * strategies and the key selector (rotate, set-strategy, strategies, import-keys) or the proxy (serve). So
 * {@code list-keys}, {@code stats}, {@code add-key} and {@code use-key} load no Guice class at all (start-up
 * time is a product goal; a black-box test checks the class-load log). The injector hands out the same
 * objects as {@link #get} for the types made here (see {@link CliModule}).
 */
public final class CliContext {
    /** Set by the {@code opencode-kimi} launcher to its own name. */
    public static final String PROGRAM_NAME_VARIABLE = "KIMI_ROTATOR_PROGRAM_NAME";

    private final Environment environment;
    private final GlobalOptions options;
    private final List<Module> extraModules;
    private ConfigPaths paths;
    private AccountsStore accounts;
    private HealthPolicy healthPolicy;
    private Injector injector;
    private String programName;

    public CliContext(Environment environment, GlobalOptions options, List<Module> extraModules) {
        this.environment = environment;
        this.options = options;
        this.extraModules = List.copyOf(extraModules);
    }

    /** An object of {@code type}: made here for the types every command uses, else by the injector. */
    public <T> T get(Class<T> type) {
        Object made = type == AccountsStore.class ? accounts()
                : type == HealthPolicy.class ? healthPolicy()
                : type == Clock.class ? clock()
                : type == ConfigPaths.class ? paths()
                : null;
        return made != null ? type.cast(made) : injector().getInstance(type);
    }

    /** Where the files are: {@code --config}, else {@code $KIMI_ROTATOR_CONFIG}, else the seed's file. */
    public ConfigPaths paths() {
        if (paths == null) {
            paths = new ConfigPaths(options.config() == null ? null : options.config().toString(),
                    environment.variables(), environment.home());
        }
        return paths;
    }

    public Clock clock() {
        return environment.clock();
    }

    /** The accounts file. */
    public AccountsStore accounts() {
        if (accounts == null) {
            accounts = new AccountsFile(paths().accountsFile(), clock(), new TerminalLockWatcher(environment.err()));
        }
        return accounts;
    }

    public HealthPolicy healthPolicy() {
        if (healthPolicy == null) {
            healthPolicy = new HealthPolicy(clock());
        }
        return healthPolicy;
    }

    private Injector injector() {
        if (injector == null) {
            Module explicit = binder -> {
                binder.requireExplicitBindings();
                binder.disableCircularProxies();
            };
            List<Module> modules = new ArrayList<>(List.of(explicit, new CliModule(this), new StrategiesModule()));
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
        if (programName == null) {
            String given = environment.variables().get(PROGRAM_NAME_VARIABLE);
            programName = given != null && isProgramName(given) ? given : "kimi-rotator";
        }
        return programName;
    }

    /**
     * How a hint names another command for the same accounts file: {@link #programName()}, plus
     * {@code --config FILE} when the file was given with {@code --config} (the hinted command would otherwise act on
     * another file: the default one, or {@code $KIMI_ROTATOR_CONFIG}'s).
     */
    public String invocation() {
        if (options.config() == null) {
            return programName();
        }
        return programName() + " --config " + shellWord(get(ConfigPaths.class).accountsFile().toString());
    }

    /** {@code word} as a POSIX shell reads it back: as it is when plain, else in double quotes. */
    static String shellWord(String word) {
        boolean plain = !word.isEmpty();
        for (int i = 0; i < word.length() && plain; i++) {
            char c = word.charAt(i);
            plain = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "/._-+:,@%=".indexOf(c) >= 0;
        }
        if (plain) {
            return word;
        }
        StringBuilder quoted = new StringBuilder(word.length() + 8).append('"');
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '"' || c == '\\' || c == '$' || c == '`') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.append('"').toString();
    }

    /** 1 to 64 of {@code A-Z a-z 0-9 . _ -} (checked by hand: a regular expression costs start-up time). */
    private static boolean isProgramName(String name) {
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    public Environment environment() {
        return environment;
    }

    public GlobalOptions options() {
        return options;
    }

    /** The shared-state URL: {@code --state}, else {@code KIMI_ROTATOR_STATE}, else null (the accounts file). */
    public String stateUrl() {
        if (options.state() != null) {
            return options.state();
        }
        return environment.variable(GlobalOptions.STATE_VARIABLE).filter(v -> !v.isBlank()).orElse(null);
    }

    /**
     * {@code local} as every proxy sharing {@code --state} sees it (read now, one round trip), or {@code local}
     * itself without {@code --state}. Exit 1 when the shared state cannot be reached.
     */
    public AccountsState sharedView(AccountsState local) {
        if (stateUrl() == null) {
            return local;
        }
        try (KeyStateBackend shared = get(KeyStateBackend.class)) {
            shared.sync(local);
            return shared.overlay(local);
        }
    }

    /** Clears the limits of {@code keys} in the shared state named by {@code --state}, if any. */
    public void clearSharedLimits(Collection<String> keys) {
        if (stateUrl() == null) {
            return;
        }
        try (KeyStateBackend shared = get(KeyStateBackend.class)) {
            shared.clearLimits(keys);
        }
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
