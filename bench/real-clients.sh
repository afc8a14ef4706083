#!/usr/bin/env bash
# Runs the real Claude Code CLI and OpenCode (from npm) against the proxy, whose upstream is a local fake
# (bench/FakeUpstream.java), and checks that the answer arrives and that requests rotate over two keys
# (strategy round-robin). Not a test; prints one line per client, then what the proxy itself counted.
# Needs a built dist (./mvnw -B -q package -DskipTests), Java 17+, Node.js/npm, and the npm registry for the
# install only. Everything after the install runs in a network namespace of its own that has nothing but
# loopback (unshare -n, when permitted), so no client can reach anything but 127.0.0.1.
# Exits 0 when both clients are verified.
set -uo pipefail

cc_version=2.1.332
oc_version=1.18.33
key_one=sk-kimi-REALCLIENTSREALCLIENTS000aaaa
key_two=sk-kimi-REALCLIENTSREALCLIENTS000bbbb
root=$(cd "$(dirname "$0")/.." && pwd)
self=$root/bench/real-clients.sh
started=()

# Every process this script starts runs under timeout, which leads a process group of its own, so ending the
# group also ends whatever that process started (the launcher's JVM, a client's helpers).
group_alive() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

stop_group() {
  kill -TERM -- "-$1" 2>/dev/null
  for _ in $(seq 1 100); do group_alive "$1" || break; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null
  wait "$1" 2>/dev/null
  local rest=() p
  for p in "${started[@]}"; do [ "$p" = "$1" ] || rest+=("$p"); done
  started=("${rest[@]}")
}

stop_all() {
  while [ "${#started[@]}" -gt 0 ]; do stop_group "${started[-1]}"; done
}

# start SECONDS COMMAND...: runs COMMAND in the background, bounded, in a process group of its own.
start() {
  timeout "$@" &
  started+=($!)
}

# run_client DIR OUT ERR COMMAND...: runs a client in DIR with a 120 s bound, then ends anything it left.
# The client's settings come as assignments before the call, so the local token stays out of ps. cd, not
# env -C: OpenCode takes its project from PWD, and a stale one made it write into this repository's .git.
run_client() {
  local dir=$1 out=$2 err=$3 pid rc
  shift 3
  (cd "$dir" && exec timeout 120 "$@") >"$out" 2>"$err" </dev/null &
  pid=$!
  started+=("$pid")
  wait "$pid"
  rc=$?
  stop_group "$pid"
  return "$rc"
}

# upstream_since LINE: the fake upstream's log lines after the first LINE ones ("KEY AUTH METHOD PATH").
upstream_since() {
  tail -n "+$(($1 + 1))" "$tmp/upstream.log"
}

# rotation_report LINE: checks the requests since LINE carried only our two keys, never the local token or an
# Authorization header, and were spread evenly over both; prints what the upstream saw.
rotation_report() {
  local lines requests keys sequence paths
  lines=$(upstream_since "$1")
  requests=$(printf '%s\n' "$lines" | grep -c .)
  keys=$(printf '%s\n' "$lines" | awk 'NF { print $1 }' | sort | uniq -c | awk '{ printf "%s…%s ×%s", sep, $2, $1; sep = ", " }')
  sequence=$(printf '%s\n' "$lines" | awk 'NF { printf "%s%s", sep, $1; sep = " " }')
  paths=$(printf '%s\n' "$lines" | awk 'NF { print $3 " " $4 }' | sort | uniq -c | awk '{ printf "%s%s %s ×%s", sep, $2, $3, $1; sep = ", " }')
  echo "$requests upstream requests ($paths) over keys $keys, in order: $sequence"
  printf '%s\n' "$lines" | awk -v a="${key_one: -4}" -v b="${key_two: -4}" '
    NF { n++; if ($1 != a && $1 != b || $2 != "-") bad = 1; count[$1]++ }
    END { d = count[a] - count[b]; exit !(n >= 2 && !bad && count[a] > 0 && count[b] > 0 && d <= 1 && d >= -1) }'
}

proxy_report() {
  KIMI_URL=$url KIMI_TOKEN=$token node -e '
    fetch(process.env.KIMI_URL + "/_kimi/status", { headers: { "x-api-key": process.env.KIMI_TOKEN } })
      .then(r => r.json())
      .then(s => console.log("proxy /_kimi/status: strategy " + s.strategy + "; " + s.keys.map(k =>
        "key " + k.index + " " + k.name + " " + k.display + ": " + k.totalRequests + " requests, " +
        k.successfulRequests + " ok, health " + k.health + ", " + k.state).join("; ")))
      .catch(e => { console.log("proxy /_kimi/status: unreadable (" + e.message + ")"); process.exitCode = 1; });
  '
}

check_claude_code() {
  local before run ok=1 report
  before=$(wc -l <"$tmp/upstream.log")
  for run in 1 2; do
    ANTHROPIC_BASE_URL=$url ANTHROPIC_API_KEY=$token CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
      DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 run_client "$HOME" "$tmp/cc$run.json" "$tmp/cc$run.err" \
      "$tmp/cc/node_modules/.bin/claude" -p "say pong" --model kimi-for-coding --output-format json || ok=0
    grep -q '"is_error":false' "$tmp/cc$run.json" && grep -q '"result":"pong"' "$tmp/cc$run.json" || ok=0
  done
  report=$(rotation_report "$before") || { ok=0; report="$report; NOT spread evenly over both keys"; }
  if [ "$ok" = 1 ]; then
    echo "claude-code $cc_version: verified: 2 runs answered \"pong\"; $report"
  else
    echo "claude-code $cc_version: FAILED; $report"
    head -c 2000 "$tmp/cc1.json" "$tmp/cc1.err" "$tmp/cc2.json" "$tmp/cc2.err"
    return 1
  fi
}

check_opencode() {
  local before ok=1 report h=$tmp/oc-home
  before=$(wc -l <"$tmp/upstream.log")
  mkdir -p "$h/.config/opencode"
  cat >"$h/.config/opencode/opencode.json" <<JSON
{"autoupdate":false,"share":"disabled","model":"anthropic/kimi-for-coding","small_model":"anthropic/kimi-for-coding",
 "provider":{"anthropic":{"options":{"baseURL":"$url/v1","apiKey":"$token"},
 "models":{"kimi-for-coding":{"name":"kimi-for-coding"}}}}}
JSON
  HOME=$h XDG_CONFIG_HOME=$h/.config XDG_DATA_HOME=$h/.local/share XDG_CACHE_HOME=$h/.cache \
    XDG_STATE_HOME=$h/.local/state OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_AUTOUPDATE=1 \
    OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 run_client "$h" "$tmp/oc.json" "$tmp/oc.err" \
    "$tmp/oc/node_modules/opencode-ai/bin/opencode.exe" run "say pong" --format json || ok=0
  grep -q '"type":"text".*"text":"pong"' "$tmp/oc.json" && ! grep -q '"type":"error"' "$tmp/oc.json" || ok=0
  report=$(rotation_report "$before") || { ok=0; report="$report; NOT spread evenly over both keys"; }
  if [ "$ok" = 1 ]; then
    echo "opencode $oc_version: verified: 1 run answered \"pong\"; $report"
  else
    echo "opencode $oc_version: FAILED; $report"
    head -c 2000 "$tmp/oc.json" "$tmp/oc.err"
    return 1
  fi
}

# Everything after the install: fake upstream, proxy, both clients.
check_clients() {
  local launcher failed=0 failovers
  launcher=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ 2>/dev/null | head -n 1)bin/kimi-rotator
  export HOME=$tmp/home TMPDIR=$tmp/tmp
  unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME
  # Java takes user.home from the password database, not from HOME.
  export KIMI_ROTATOR_OPTS="-Duser.home=$HOME"
  mkdir -p "$HOME" "$TMPDIR"
  : >"$tmp/upstream.log"
  "$launcher" add-key "$key_one" One >/dev/null && "$launcher" add-key "$key_two" Two >/dev/null \
    && "$launcher" set-strategy round-robin >/dev/null || { echo "kimi-rotator: setting up the keys failed"; return 1; }

  start 900 java "$root/bench/FakeUpstream.java" "$tmp/upstream.port" "$tmp/upstream.log"
  for _ in $(seq 1 300); do [ -s "$tmp/upstream.port" ] && break; sleep 0.1; done
  start 900 "$launcher" serve --port 0 --upstream "http://127.0.0.1:$(cat "$tmp/upstream.port")" \
    >"$tmp/serve.log" 2>&1
  local serve_json=$HOME/.config/opencode/kimi-rotator/serve.json
  for _ in $(seq 1 300); do [ -s "$serve_json" ] && break; sleep 0.1; done
  url=$(sed -n 's/.*"url" *: *"\([^"]*\)".*/\1/p' "$serve_json" 2>/dev/null)
  token=$(cat "$HOME/.config/opencode/kimi-rotator/token" 2>/dev/null)
  if [ -z "$url" ] || [ -z "$token" ]; then
    echo "kimi-rotator serve did not start:"; cat "$tmp/serve.log"; return 1
  fi

  if [ -x "$tmp/cc/node_modules/.bin/claude" ]; then
    check_claude_code || failed=1
  else
    echo "claude-code $cc_version: FAILED; not installed"; failed=1
  fi
  if [ -x "$tmp/oc/node_modules/opencode-ai/bin/opencode.exe" ]; then
    check_opencode || failed=1
  else
    echo "opencode $oc_version: FAILED; not installed"; failed=1
  fi
  proxy_report || failed=1
  failovers=$(grep -c 'attempts=[2-9]' "$tmp/serve.log")
  echo "proxy access log: $(grep -c ' access - ' "$tmp/serve.log") requests, $failovers with failover;" \
    "fake upstream: $(wc -l <"$tmp/upstream.log") requests"
  return "$failed"
}

trap 'exit 143' TERM INT
if [ "${1:-}" = --in-netns ]; then
  tmp=$2
  trap stop_all EXIT
  ip link set lo up || exit 1
  check_clients
  exit
fi

tmp=$(mktemp -d)
trap 'stop_all; rm -rf "$tmp"' EXIT

if ! ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/bin/kimi-rotator >/dev/null 2>&1; then
  echo "no built dist under kimi-dist/target: run ./mvnw -B -q package -DskipTests first"
  exit 1
fi
# opencode-ai's postinstall runs `opencode --version`, which makes its directories under HOME, the XDG
# directories and TMPDIR: the install gets throw-away ones, and keeps only npm's own settings and cache.
npm_userconfig=$(npm config get userconfig)
npm_cache=$(npm config get cache)
mkdir -p "$tmp/install-home/tmp"
for spec in "cc @anthropic-ai/claude-code@$cc_version" "oc opencode-ai@$oc_version"; do
  set -- $spec
  if ! HOME=$tmp/install-home XDG_CONFIG_HOME=$tmp/install-home/.config XDG_DATA_HOME=$tmp/install-home/.local/share \
      XDG_CACHE_HOME=$tmp/install-home/.cache XDG_STATE_HOME=$tmp/install-home/.local/state \
      TMPDIR=$tmp/install-home/tmp npm_config_userconfig=$npm_userconfig npm_config_cache=$npm_cache \
      npm install --no-audit --no-fund --prefix "$tmp/$1" "$2" >"$tmp/npm-$1.log" 2>&1; then
    echo "$2: npm install failed:"; tail -n 5 "$tmp/npm-$1.log"
  fi
done

if command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  echo "network: a namespace of its own with loopback only (no route off 127.0.0.1)"
  start 1800 unshare -n bash "$self" --in-netns "$tmp"
  wait "${started[-1]}"
else
  echo "network: NOT isolated (unshare -n not permitted here); the clients could reach the network"
  check_clients
fi
exit
