package io.github.kimirotator.strategies.plugin;

/**
 * The parent of every plugin's class loader: it shows a plugin the kimi-api packages and the JDK, nothing else.
 * Our own dependencies (Jackson, Guice, SLF4J...) and kimi-rotator's internals stay invisible, so a plugin
 * that bundles another version of a library uses its own copy and cannot break us or another plugin.
 */
final class ApiOnlyClassLoader extends ClassLoader {
    static final String API_PACKAGE_PREFIX = "io.github.kimirotator.api.";

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader apiLoader;

    ApiOnlyClassLoader(ClassLoader apiLoader) {
        super("kimi-api-only", ClassLoader.getPlatformClassLoader());
        this.apiLoader = apiLoader;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(API_PACKAGE_PREFIX)) {
            return apiLoader.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }
}
