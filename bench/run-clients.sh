#!/usr/bin/env bash
# The real Claude Code and OpenCode started through `kimi-rotator run`, offline against a local fake upstream
# (bench/FakeUpstream.java): no `serve` by hand, no client settings by hand (OpenCode has no opencode.json; it
# gets OPENCODE_CONFIG_CONTENT). The first run starts a proxy in the background, the second reuses it; `status`
# and `stop` end the script. Not a test; prints one line per client. Needs a built dist, Java 17+, Node.js/npm
# (the npm registry for the install only); everything after the install runs in a network namespace that has
# nothing but loopback (unshare -n), when permitted. Exits 0 when both clients answered.
set -uo pipefail

cc_version=2.1.332
oc_version=1.18.33
root=$(cd "$(dirname "$0")/.." && pwd)
launcher=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ 2>/dev/null | head -n 1)bin/kimi-rotator
[ -x "$launcher" ] || { echo "no built dist under kimi-dist/target: run ./mvnw -B -q package -DskipTests first"; exit 1; }

if [ "${1:-}" = --in-netns ]; then
  tmp=$2
  ip link set lo up || exit 1
  export HOME=$tmp/home TMPDIR=$tmp/tmp KIMI_ROTATOR_OPTS="-Duser.home=$tmp/home"
  unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME ANTHROPIC_API_KEY
  mkdir -p "$HOME" "$TMPDIR"
  "$launcher" add-key sk-kimi-RUNCLIENTSRUNCLIENTS0000aaaa One >/dev/null || exit 1
  timeout 600 java "$root/bench/FakeUpstream.java" "$tmp/upstream.port" "$tmp/upstream.log" &
  upstream=$!
  for _ in $(seq 1 300); do [ -s "$tmp/upstream.port" ] && break; sleep 0.1; done
  export KIMI_ROTATOR_UPSTREAM=http://127.0.0.1:$(cat "$tmp/upstream.port")
  failed=0
  cd "$HOME"
  start=$(date +%s%N)
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 timeout 120 \
    "$launcher" run --port 0 -- "$tmp/cc/node_modules/.bin/claude" -p "say pong" --output-format json \
    >"$tmp/cc.json" 2>"$tmp/cc.err" </dev/null
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$rc" = 0 ] && grep -q '"result":"pong"' "$tmp/cc.json"; then
    echo "claude-code $cc_version: verified: 'kimi-rotator run -- claude -p' answered \"pong\" in $ms ms, starting the proxy ($(head -n 1 "$tmp/cc.err"))"
  else
    echo "claude-code $cc_version: FAILED (exit $rc)"; head -c 2000 "$tmp/cc.json" "$tmp/cc.err"; failed=1
  fi
  h=$tmp/oc-home
  mkdir -p "$h"
  start=$(date +%s%N)
  (cd "$h" && HOME=$h XDG_CONFIG_HOME=$h/.config XDG_DATA_HOME=$h/.local/share XDG_CACHE_HOME=$h/.cache \
    XDG_STATE_HOME=$h/.local/state OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_AUTOUPDATE=1 \
    OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 timeout 120 \
    "$launcher" run -- "$tmp/oc/node_modules/opencode-ai/bin/opencode.exe" run "say pong" --format json \
    >"$tmp/oc.json" 2>"$tmp/oc.err" </dev/null)
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$rc" = 0 ] && grep -q '"type":"text".*"text":"pong"' "$tmp/oc.json" && [ ! -e "$h/.config/opencode/opencode.json" ]; then
    echo "opencode $oc_version: verified: 'kimi-rotator run -- opencode run' answered \"pong\" in $ms ms through the same proxy, with no opencode.json"
  else
    echo "opencode $oc_version: FAILED (exit $rc)"; head -c 2000 "$tmp/oc.json" "$tmp/oc.err"; failed=1
  fi
  echo "fake upstream: $(wc -l <"$tmp/upstream.log") requests: $(awk '{ print $3 " " $4 }' "$tmp/upstream.log" | sort | uniq -c | tr -s ' ' | paste -sd, -)"
  "$launcher" status
  "$launcher" stop
  kill "$upstream" 2>/dev/null
  exit "$failed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/install-home/tmp"
for spec in "cc @anthropic-ai/claude-code@$cc_version" "oc opencode-ai@$oc_version"; do
  set -- $spec
  HOME=$tmp/install-home XDG_CONFIG_HOME=$tmp/install-home/.config XDG_DATA_HOME=$tmp/install-home/.local/share \
    XDG_CACHE_HOME=$tmp/install-home/.cache XDG_STATE_HOME=$tmp/install-home/.local/state \
    TMPDIR=$tmp/install-home/tmp npm_config_userconfig=$(npm config get userconfig) npm_config_cache=$(npm config get cache) \
    npm install --no-audit --no-fund --prefix "$tmp/$1" "$2" >"$tmp/npm-$1.log" 2>&1 \
    || { echo "$2: npm install failed:"; tail -n 5 "$tmp/npm-$1.log"; }
done
if command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  echo "network: a namespace of its own with loopback only"
  timeout 900 unshare -n bash "$0" --in-netns "$tmp"
else
  echo "network: NOT isolated (unshare -n not permitted here)"
  timeout 900 bash "$0" --in-netns "$tmp"
fi
