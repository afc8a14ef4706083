package io.github.kimirotator.cli.commands;

import io.github.kimirotator.api.ErrorCode;
import io.github.kimirotator.api.KimiException;
import io.github.kimirotator.cli.Arguments;
import io.github.kimirotator.cli.CliCommand;
import io.github.kimirotator.cli.CommandModel;
import io.github.kimirotator.cli.Json;
import io.github.kimirotator.cli.RunningProxy;
import io.github.kimirotator.proxy.LocalToken;
import io.github.kimirotator.storage.ConfigPaths;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class ConfigCommand extends CliCommand {
    /** Kimi's coding API serves one model; clients asking for their own defaults would be refused. */
    static final String MODEL = "kimi-for-coding";

    @Override
    protected CommandModel model() {
        return command("config", "Print the settings that point a client at the running proxy.",
                "claude-code: shell exports; opencode: JSON for ~/.config/opencode/opencode.json on stdout (the hint goes to"
                        + " stderr, so the output can go straight to jq or a file). The local token is made if serve has not"
                        + " made it yet.")
                .parameter("opencode|claude-code", "The client to configure.")
                .option("--url", "URL", null, "The proxy's URL (default: the running proxy's, from serve.json).");
    }

    @Override
    protected int run() {
        String given = value("opencode|claude-code");
        String client = Arguments.keyword(given);
        String url = value("--url");
        if (!"opencode".equals(client) && !"claude-code".equals(client)) {
            throw new KimiException(ErrorCode.INVALID_ARGUMENT, "unknown client '" + given + "'; valid: opencode, claude-code");
        }
        ConfigPaths paths = context().get(ConfigPaths.class);
        URI proxy = url != null ? Arguments.uri("url", url)
                : RunningProxy.url(paths, context().invocation());
        String base = proxy.toString().replaceAll("/+$", "");
        // The same file and rules as serve: settings printed before the first serve keep working after it.
        String token = LocalToken.loadOrCreate(paths.ownDir());
        if ("claude-code".equals(client)) {
            context().out().println("# Claude Code: run these in your shell (or put them in ~/.claude/settings.json \"env\")");
            context().out().println("export ANTHROPIC_BASE_URL=" + base);
            context().out().println("export ANTHROPIC_API_KEY=" + token);
            context().out().println("export ANTHROPIC_MODEL=" + MODEL);
            context().out().println("export ANTHROPIC_SMALL_FAST_MODEL=" + MODEL);
            return 0;
        }
        context().err().println("OpenCode: merge this into ~/.config/opencode/opencode.json (and drop the seed's \"plugin\" entry)");
        context().out().println(openCodeConfig(base, token));
        return 0;
    }

    /** OpenCode's settings for the proxy at {@code base}: its {@code anthropic} provider pointed there. */
    static Map<String, Object> openCodeDocument(String base, String token) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("name", "Kimi K2.5 (via kimi-rotator)");
        // As the seed's README: without these OpenCode sends no images or PDFs to the model.
        model.put("attachment", true);
        Map<String, Object> limit = new LinkedHashMap<>();
        limit.put("context", 262144);
        limit.put("output", 32768);
        model.put("limit", limit);
        Map<String, Object> modalities = new LinkedHashMap<>();
        modalities.put("input", List.of("text", "image", "video", "pdf"));
        modalities.put("output", List.of("text"));
        model.put("modalities", modalities);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("baseURL", base + "/v1");
        options.put("apiKey", token);
        Map<String, Object> anthropic = new LinkedHashMap<>();
        anthropic.put("options", options);
        anthropic.put("models", Map.of(MODEL, model));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("$schema", "https://opencode.ai/config.json");
        doc.put("model", "anthropic/" + MODEL);
        doc.put("small_model", "anthropic/" + MODEL);
        doc.put("provider", Map.of("anthropic", anthropic));
        return doc;
    }

    /** {@link #openCodeDocument} as JSON. */
    static String openCodeConfig(String base, String token) {
        return Json.write(openCodeDocument(base, token));
    }

    /**
     * {@link #openCodeDocument} for {@code OPENCODE_CONFIG_CONTENT}, laid over the user's own value of it when there
     * is one (their other settings stay; ours win where both set something). Empty when the user's value is not a
     * JSON object.
     */
    static Optional<String> openCodeConfigOver(String existing, String base, String token) {
        if (existing == null || existing.isBlank()) {
            return Optional.of(openCodeConfig(base, token));
        }
        return Json.overlay(existing, openCodeDocument(base, token));
    }
}
