package io.github.kimirotator.cli;

/** Terminal colours, applied only when the context allows colour. */
public final class Ansi {
    private final boolean enabled;

    public Ansi(boolean enabled) {
        this.enabled = enabled;
    }

    public String green(String s) {
        return wrap("32", s);
    }

    public String yellow(String s) {
        return wrap("33", s);
    }

    public String red(String s) {
        return wrap("31", s);
    }

    public String bold(String s) {
        return wrap("1", s);
    }

    private String wrap(String code, String s) {
        return enabled ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}
