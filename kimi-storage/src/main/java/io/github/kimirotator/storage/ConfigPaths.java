package io.github.kimirotator.storage;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where the files are (contract section 1): the accounts file is {@code --config FILE}, else
 * {@code $KIMI_ROTATOR_CONFIG}, else the seed's {@code <home>/.config/opencode/kimi-accounts.json}; the
 * folder holding it is the config dir, and our own files live in {@code <config dir>/kimi-rotator/}.
 */
public final class ConfigPaths {
    public static final String CONFIG_ENV = "KIMI_ROTATOR_CONFIG";
    public static final String OWN_DIR_NAME = "kimi-rotator";
    private static final Path SEED_RELATIVE_PATH = Path.of(".config", "opencode", "kimi-accounts.json");

    private final Path accountsFile;

    /**
     * @param explicitConfig the {@code --config} value, or {@code null}
     * @param env the environment variables
     * @param home the user's home directory ({@code user.home})
     */
    public ConfigPaths(String explicitConfig, Map<String, String> env, Path home) {
        Objects.requireNonNull(home, "home");
        String configured = isSet(explicitConfig) ? explicitConfig : env.get(CONFIG_ENV);
        Path file = isSet(configured) ? expandHome(configured.strip(), home) : home.resolve(SEED_RELATIVE_PATH);
        this.accountsFile = file.toAbsolutePath().normalize();
    }

    /** The paths of this process: its environment and {@code user.home}. */
    public static ConfigPaths ofSystem(String explicitConfig) {
        return new ConfigPaths(explicitConfig, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public Path accountsFile() {
        return accountsFile;
    }

    /** The folder holding the accounts file. */
    public Path configDir() {
        return accountsFile.getParent();
    }

    /** {@code <config dir>/kimi-rotator}, as a path only: for commands that read there and create nothing. */
    public Path ownDirPath() {
        return configDir().resolve(OWN_DIR_NAME);
    }

    /**
     * {@code <config dir>/kimi-rotator}, created (0700, as are missing parents) if it does not exist.
     *
     * @throws KimiException {@link ErrorCode#IO_ERROR} when it cannot be created
     */
    public Path ownDir() {
        Path dir = ownDirPath();
        try {
            SecureFiles.createDirectories(dir);
        } catch (IOException e) {
            throw new KimiException(ErrorCode.IO_ERROR, "cannot create " + dir + ": " + IoErrors.describe(e), e);
        }
        return dir;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** A quoted {@code ~} reaches us unexpanded (e.g. {@code --config=~/x}); expand it as the shell would. */
    private static Path expandHome(String value, Path home) {
        if (value.equals("~")) {
            return home;
        }
        if (value.startsWith("~/") || value.startsWith("~" + home.getFileSystem().getSeparator())) {
            return home.resolve(value.substring(2));
        }
        return home.getFileSystem().getPath(value);
    }
}
