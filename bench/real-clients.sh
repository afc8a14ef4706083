#!/usr/bin/env bash
# Runs the real Claude Code CLI and OpenCode (from npm) against the proxy, whose upstream is a local fake,
# and checks that the answer arrives and that requests rotate over two keys (strategy round-robin).
# Needs a built dist (./mvnw -B -q package -DskipTests), Node.js/npm and the npm registry for the install.
# Traffic stays on 127.0.0.1. Prints one line per client: verified or failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ | head -n 1)
launcher=$dist/bin/kimi-rotator
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

npm install --silent --prefix "$tmp/cc" @anthropic-ai/claude-code@2.1.332 >/dev/null 2>&1 || echo "claude-code: npm install failed" >&2
npm install --silent --prefix "$tmp/oc" opencode-ai@1.18.33 >/dev/null 2>&1 || echo "opencode: npm install failed" >&2

java "$root/bench/FakeUpstream.java" "$tmp/upstream.port" "$tmp/keys.log" &
pids+=($!)
export HOME=$tmp/home
# Java takes user.home from the password database, not from HOME.
export KIMI_ROTATOR_OPTS="-Duser.home=$HOME"
mkdir -p "$HOME"
"$launcher" add-key sk-kimi-REALCLIENTSREALCLIENTS000aaaa "One" >/dev/null
"$launcher" add-key sk-kimi-REALCLIENTSREALCLIENTS000bbbb "Two" >/dev/null
"$launcher" set-strategy round-robin >/dev/null
for _ in $(seq 1 100); do [ -s "$tmp/upstream.port" ] && break; sleep 0.1; done
"$launcher" serve --port 0 --upstream "http://127.0.0.1:$(cat "$tmp/upstream.port")" >"$tmp/serve.log" 2>&1 &
pids+=($!)
serve_json=$HOME/.config/opencode/kimi-rotator/serve.json
for _ in $(seq 1 100); do [ -s "$serve_json" ] && break; sleep 0.1; done
url=$(sed -n 's/.*"url" *: *"\([^"]*\)".*/\1/p' "$serve_json")
token=$(cat "$HOME/.config/opencode/kimi-rotator/token")

check_rotation() {
  sort -u "$tmp/keys.log" | wc -l
}

: >"$tmp/keys.log"
(cd "$HOME" && ANTHROPIC_BASE_URL=$url ANTHROPIC_API_KEY=$token CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 timeout 120 "$tmp/cc/node_modules/.bin/claude" -p "say pong" \
  --model kimi-for-coding --output-format json >"$tmp/cc1.json" 2>"$tmp/cc1.err"
  ANTHROPIC_BASE_URL=$url ANTHROPIC_API_KEY=$token CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 timeout 120 "$tmp/cc/node_modules/.bin/claude" -p "say pong" \
  --model kimi-for-coding --output-format json >"$tmp/cc2.json" 2>"$tmp/cc2.err")
if grep -q '"result":"pong"' "$tmp/cc1.json" && [ "$(check_rotation)" -ge 2 ]; then
  echo "claude-code 2.1.332: verified (answer arrived, $(wc -l <"$tmp/keys.log") upstream requests over $(check_rotation) keys)"
else
  echo "claude-code 2.1.332: FAILED"; cat "$tmp/cc1.json" "$tmp/cc1.err" | head -20
fi

: >"$tmp/keys.log"
oc_home=$tmp/oc-home
mkdir -p "$oc_home/.config/opencode"
cat >"$oc_home/.config/opencode/opencode.json" <<JSON
{"autoupdate":false,"share":"disabled","model":"anthropic/kimi-for-coding","small_model":"anthropic/kimi-for-coding",
 "provider":{"anthropic":{"options":{"baseURL":"$url/v1","apiKey":"$token"},
 "models":{"kimi-for-coding":{"name":"kimi-for-coding"}}}}}
JSON
(cd "$oc_home" && HOME=$oc_home XDG_CONFIG_HOME=$oc_home/.config XDG_DATA_HOME=$oc_home/.local/share \
  XDG_CACHE_HOME=$oc_home/.cache XDG_STATE_HOME=$oc_home/.local/state OPENCODE_DISABLE_MODELS_FETCH=1 \
  OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 \
  timeout 120 "$tmp/oc/node_modules/opencode-ai/bin/opencode.exe" run "say pong" --format json >"$tmp/oc.json" 2>"$tmp/oc.err")
if grep -q 'pong' "$tmp/oc.json" && [ "$(check_rotation)" -ge 2 ]; then
  echo "opencode 1.18.33: verified (answer arrived, $(wc -l <"$tmp/keys.log") upstream requests over $(check_rotation) keys)"
else
  echo "opencode 1.18.33: FAILED"; cat "$tmp/oc.json" "$tmp/oc.err" | head -20
fi
