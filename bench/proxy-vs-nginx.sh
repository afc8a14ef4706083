#!/usr/bin/env bash
# kimi-rotator's proxy beside nginx as a reverse proxy, on the same upstream (an nginx answering a fixed
# Anthropic message), loaded by wrk: requests per second and latency at 1, 16 and 64 connections, plus a
# direct run against the upstream (what a proxy adds is its latency minus the direct one), and the proxy's
# resident memory. Rounds are interleaved (direct, nginx, ours, for each connection count, round after round)
# so that other load on the machine hits all of them alike; the table shows medians over the rounds, with the CPU
# time each proxy spent per request (user + system; nginx's workers), which such load disturbs far less.
# Not a test: prints a table for the README. Needs nginx (nginx-light) and wrk, installed when missing, and the
# built distribution (./mvnw -B -q package -DskipTests; built here when missing).
# Usage: bench/proxy-vs-nginx.sh [rounds=5] [seconds per run=8] [warm-up seconds=45]
# DIST=<unpacked distribution> measures another build instead of this checkout's; BASE_DIST=<another one> runs
# it too, as one more target in the same rounds (e.g. main before a change).
set -euo pipefail
rounds=${1:-5}
seconds=${2:-8}
warmup=${3:-45}
root=$(cd "$(dirname "$0")/.." && pwd)

for tool in nginx wrk; do
  if ! command -v "$tool" >/dev/null && ! [ -x "/usr/sbin/$tool" ]; then
    echo "installing $tool" >&2
    apt-get install -y -q "$([ "$tool" = nginx ] && echo nginx-light || echo wrk)" >&2
  fi
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
dist=${DIST:-$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ 2>/dev/null | head -n 1 || true)}
if [ -z "$dist" ]; then
  (cd "$root" && ./mvnw -B -q package -DskipTests) >&2
  dist=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ | head -n 1)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/up/nginx.pid" ] && kill "$(cat "$work/up/nginx.pid")" 2>/dev/null || true
  [ -f "$work/ref/nginx.pid" ] && kill "$(cat "$work/ref/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
up_port=$(free_port)
ref_port=$(free_port)
message='{"id":"msg_01","type":"message","role":"assistant","model":"kimi-for-coding","content":[{"type":"text","text":"pong"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}'

# The upstream: one nginx worker answering every POST with the message, keep-alive without limit.
mkdir -p "$work/up" "$work/ref"
cat >"$work/up/nginx.conf" <<EOF
worker_processes 1;
pid $work/up/nginx.pid;
error_log $work/up/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/up; proxy_temp_path $work/up; fastcgi_temp_path $work/up;
  uwsgi_temp_path $work/up; scgi_temp_path $work/up;
  server {
    listen 127.0.0.1:$up_port;
    location / { default_type application/json; return 200 '$message'; }
  }
}
EOF
# The reference proxy: nginx as a keep-alive reverse proxy, one worker per core, an access log like ours.
cat >"$work/ref/nginx.conf" <<EOF
worker_processes auto;
pid $work/ref/nginx.pid;
error_log $work/ref/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/ref/access.log;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/ref; proxy_temp_path $work/ref; fastcgi_temp_path $work/ref;
  uwsgi_temp_path $work/ref; scgi_temp_path $work/ref;
  upstream kimi { server 127.0.0.1:$up_port; keepalive 128; }
  server {
    listen 127.0.0.1:$ref_port;
    location / {
      proxy_pass http://kimi/coding;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header x-api-key sk-kimi-bench000000000000000000001;
    }
  }
}
EOF
"$nginx_bin" -c "$work/up/nginx.conf" -p "$work/up"
"$nginx_bin" -c "$work/ref/nginx.conf" -p "$work/ref"

# Our proxy, from the distribution, over three keys, without the local token, logging to a file.
export HOME=$work
export KIMI_ROTATOR_OPTS="-Duser.home=$work"
start_proxy() { # name dist; sets url_<name> and pid_<name>
  local config=$work/$1/kimi-accounts.json
  mkdir -p "$work/$1"
  for i in 1 2 3; do
    "$2/bin/kimi-rotator" --config "$config" add-key "$(printf 'sk-kimi-bench%024d' "$i")" "Bench $i" >/dev/null
  done
  "$2/bin/kimi-rotator" --config "$config" serve --no-auth --port 0 --upstream "http://127.0.0.1:$up_port/coding" \
    >"$work/$1/serve.out" 2>"$work/$1/serve.log" &
  pids+=($!)
  local url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^Listening on \(http:[^ ]*\).*/\1/p' "$work/$1/serve.out")
    [ -n "$url" ] && break
    sleep 0.2
  done
  [ -n "$url" ] || { echo "the proxy did not start:" >&2; cat "$work/$1/serve.log" >&2; exit 1; }
  printf -v "url_$1" '%s' "$url"
  # serve.json, beside the accounts file, names the process that serves it.
  printf -v "pid_$1" '%s' "$(sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p' "$work/$1/kimi-rotator/serve.json" 2>/dev/null)"
}
start_proxy ours "$dist"
targets="direct nginx ours"
if [ -n "${BASE_DIST:-}" ]; then
  start_proxy before "$BASE_DIST"
  targets="direct nginx before ours"
fi
ours_url=$url_ours
java_pid=$pid_ours

cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"model":"kimi-for-coding","max_tokens":64,"messages":[{"role":"user","content":"ping"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
EOF

# CPU time (user + system, in clock ticks) used so far by the processes $@.
ticks() {
  local total=0 p
  for p in "$@"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# One wrk run: prints "req/s p50_ms p99_ms cpu_us_per_request" (CPU of the processes given after the seconds, 0
# when none: what the proxy itself spends per request, which other load on the machine disturbs far less than
# requests per second).
load() { # url connections seconds [pids]
  local url=$1 conns=$2 secs=$3
  shift 3
  local threads=$(( conns < 2 ? 1 : 2 ))
  local before after
  before=$(ticks "$@")
  wrk -t"$threads" -c"$conns" -d"$secs"s --latency -s "$work/post.lua" "$url/v1/messages" >"$work/wrk.out"
  after=$(ticks "$@")
  awk -v ticks=$((after - before)) -v hz="$hz" -v measured=$# '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    / Non-2xx or 3xx responses:/ { bad = $NF }
    END { if (bad > 0) print "non-2xx:" bad > "/dev/stderr"
          cpu = (measured > 0 && n > 0) ? ticks / hz / n * 1e6 : 0
          printf "%.0f %.3f %.3f %.1f\n", rps, p50, p99, cpu }' "$work/wrk.out"
}

echo "warming up (${warmup}s on the proxy, 5s on nginx)..." >&2
load "$ours_url" 16 "$warmup" >/dev/null
[ -n "${BASE_DIST:-}" ] && load "$url_before" 16 "$warmup" >/dev/null
load "http://127.0.0.1:$ref_port" 16 5 >/dev/null

declare -A results
# The reference proxy's CPU is its workers'.
nginx_workers=$(pgrep -P "$(cat "$work/ref/nginx.pid")" | tr '\n' ' ')
rss_peak=0
for r in $(seq 1 "$rounds"); do
  for c in 1 16 64; do
    for target in $targets; do
      case $target in
        direct) url="http://127.0.0.1:$up_port/coding"; measured= ;;
        nginx) url="http://127.0.0.1:$ref_port"; measured=$nginx_workers ;;
        before) url=$url_before; measured=$pid_before ;;
        ours) url=$ours_url; measured=$java_pid ;;
      esac
      # shellcheck disable=SC2086
      line=$(load "$url" "$c" "$seconds" $measured)
      echo "round $r, $c connections, $target: $line" >&2
      results[$target,$c]+="$line"$'\n'
      if [ "$target" = ours ] && [ -n "$java_pid" ]; then
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$java_pid/status" 2>/dev/null || echo 0)
        [ "$rss" -gt "$rss_peak" ] && rss_peak=$rss
      fi
    done
  done
  echo "round $r of $rounds done" >&2
done

median() {
  sort -n | awk 'NF { v[++k] = $0 } END { if (k == 0) { print 0; exit } m = int((k + 1) / 2); print v[m] }'
}
col() { # target conns column(1 rps, 2 p50, 3 p99, 4 CPU per request)
  printf '%s' "${results[$1,$2]}" | awk -v c="$3" 'NF { print $c }' | median
}

echo
echo "Medians of $rounds interleaved rounds of ${seconds}s each (wrk, POST /v1/messages, keep-alive), after ${warmup}s of warm-up:"
echo
echo "| connections | target | req/s | p50 | p99 | CPU per request |"
echo "|---:|---|---:|---:|---:|---:|"
for c in 1 16 64; do
  for target in $targets; do
    name=$target
    [ "$target" = direct ] && name="direct to the upstream"
    [ "$target" = nginx ] && name="nginx as proxy"
    [ "$target" = ours ] && name="kimi-rotator"
    [ "$target" = before ] && name="kimi-rotator (BASE_DIST)"
    cpu=$(col "$target" "$c" 4)
    cpu=$(awk -v v="$cpu" 'BEGIN { if (v > 0) printf "%.0f µs", v; else print "-" }')
    printf '| %s | %s | %s | %.2f ms | %.2f ms | %s |\n' "$c" "$name" "$(col "$target" "$c" 1)" "$(col "$target" "$c" 2)" \
      "$(col "$target" "$c" 3)" "$cpu"
  done
done
echo
for c in 16 64; do
  awk -v o="$(col ours "$c" 1)" -v n="$(col nginx "$c" 1)" -v c="$c" \
    'BEGIN { printf "- %s connections: kimi-rotator / nginx requests per second = %.2f\n", c, (n > 0 ? o / n : 0) }'
done
awk -v o50="$(col ours 1 2)" -v o99="$(col ours 1 3)" -v d50="$(col direct 1 2)" -v d99="$(col direct 1 3)" \
  -v n50="$(col nginx 1 2)" -v n99="$(col nginx 1 3)" 'BEGIN {
    printf "- 1 connection, added over direct: kimi-rotator p50 %.3f ms, p99 %.3f ms; nginx p50 %.3f ms, p99 %.3f ms\n",
      o50 - d50, o99 - d99, n50 - d50, n99 - d99 }'
for c in 16 64; do
  awk -v o="$(col ours "$c" 4)" -v n="$(col nginx "$c" 4)" -v c="$c" \
    'BEGIN { printf "- %s connections: CPU per request, kimi-rotator / nginx = %.2f\n", c, (n > 0 ? o / n : 0) }'
done
echo "- kimi-rotator resident memory, highest seen after a run: $((rss_peak / 1024)) MB"
