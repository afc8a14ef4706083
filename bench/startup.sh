#!/usr/bin/env bash
# Start-up of the CLI against the seed's reference, `node -e 0`: both through their normal entry points (our
# launcher on the built distribution, its start-up archive already made), interleaved round by round, over an
# accounts file of 10 keys. Prints median and minimum wall time per command, the ratio of medians to node's,
# and the CPU time (user + system, all threads) a run takes on average. Not a test: its table goes into the
# README.
#
#   bench/startup.sh [ROUNDS]                 (default 25 rounds, after 3 warm-up rounds)
#   BENCH_JAVAS="/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64" bench/startup.sh
#
# Needs a built distribution (./mvnw -B -q package -DskipTests), bash 5 (for EPOCHREALTIME) and Node.js (else
# the ratio column is left out).
set -euo pipefail
rounds=${1:-25}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ | head -n 1)
launcher=${dist%/}/bin/kimi-rotator
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
# Java takes user.home from the password database, not from HOME.
export KIMI_ROTATOR_OPTS="-Duser.home=$work"
unset KIMI_ROTATOR_NO_CDS KIMI_ROTATOR_CONFIG JAVA_OPTS
have_node=
if command -v node >/dev/null; then have_node=1; fi

# CPU time (user + system) of this shell's finished children so far, in ms, into $cpu_ms. `times` runs in this
# shell (in a command substitution it would be another process, with children of its own); the kernel counts
# in 10 ms ticks, so one run's figure is coarse, but the mean over many runs is not.
children_cpu() {
  local user sys
  times > "$work/cpu"
  { read -r _; read -r user sys; } < "$work/cpu"
  cpu_ms=$(( $(tick_ms "$user") + $(tick_ms "$sys") ))
}
tick_ms() { # 1m2.345s -> 62345
  local m=${1%%m*} s=${1#*m}
  s=${s%s}
  echo $(( 10#$m * 60000 + 10#${s/./} ))
}

# Wall time of one run in microseconds and its CPU time in ms, output discarded; a failing run aborts the
# benchmark.
time_us() {
  local start end cpu_before
  children_cpu
  cpu_before=$cpu_ms
  start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$EPOCHREALTIME
  children_cpu
  echo "$(( ${end/./} - ${start/./} )) $(( cpu_ms - cpu_before ))"
}

# median and minimum wall time (ms) and mean CPU time (ms) of the runs in file $1
stats() {
  sort -n "$1" | awk '{ v[NR] = $1; cpu += $2 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f %.1f %.0f\n", m / 1000, v[1] / 1000, cpu / NR }'
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$have_node" ] && echo "node: $(node --version)"

for java_home in ${BENCH_JAVAS:-${JAVA_HOME:-default}}; do
  if [ "$java_home" = default ]; then
    unset JAVA_HOME
    java_name="java on the PATH: $(java -version 2>&1 | head -n 1)"
  else
    export JAVA_HOME=$java_home
    java_name="$java_home: $("$java_home/bin/java" -version 2>&1 | head -n 1)"
  fi
  rm -rf "$work/.config" "$work"/*.times
  for i in $(seq 0 9); do
    "$launcher" add-key "$(printf 'sk-kimi-bench%020d' "$i")" "Bench $i" >/dev/null
  done
  # The archive as install.sh makes it. The first add-key above has already started a maker in the
  # background: while it holds its lock, this returns at once, so wait (bounded) until the archive is there and
  # no maker runs any more.
  KIMI_ROTATOR_CDS_WAIT=1 "$launcher" --version >/dev/null
  cache=$work/.config/opencode/kimi-rotator/cache
  deadline=$(( SECONDS + 300 ))
  until compgen -G "$cache/cli-*.jsa" >/dev/null && ! compgen -G "$cache/cli-*.making" >/dev/null; do
    if compgen -G "$cache/cli-*.failed" >/dev/null; then
      echo "error: the start-up archive could not be made ($(ls "$cache"))" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "error: no start-up archive in $cache after 5 minutes" >&2
      exit 1
    fi
    sleep 0.2
  done

  cases=(list-keys stats use-key add-key)
  [ -n "$have_node" ] && cases=(node "${cases[@]}")
  run_case() {
    case $1 in
      node) time_us node -e 0 ;;
      list-keys) time_us "$launcher" list-keys ;;
      stats) time_us "$launcher" stats ;;
      use-key) time_us "$launcher" use-key $(( $2 % 10 )) ;;
      add-key)
        time_us "$launcher" add-key "$(printf 'sk-kimi-added%020d' "$2")" "Added $2"
        "$launcher" remove-key 10 >/dev/null ;;
    esac
  }
  for round in 1 2 3; do
    for c in "${cases[@]}"; do run_case "$c" "$round" >/dev/null; done
  done
  for round in $(seq 1 "$rounds"); do
    for c in "${cases[@]}"; do run_case "$c" "$round" >> "$work/$c.times"; done
  done

  echo
  echo "$java_name; $rounds interleaved rounds; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  if [ -n "$have_node" ]; then
    read -r node_median _ < <(stats "$work/node.times")
    echo "| command | median | min | median / node's | CPU per run (mean) |"
    echo "|---|---:|---:|---:|---:|"
  else
    echo "| command | median | min | CPU per run (mean) |"
    echo "|---|---:|---:|---:|"
  fi
  for c in "${cases[@]}"; do
    read -r median min cpu < <(stats "$work/$c.times")
    label=$c
    [ "$c" = node ] && label='node -e 0' || label="kimi-rotator $c"
    if [ -n "$have_node" ]; then
      printf '| `%s` | %s ms | %s ms | %s | %s ms |\n' "$label" "$median" "$min" \
        "$(awk -v a="$median" -v b="$node_median" 'BEGIN { printf "%.2fx", a / b }')" "$cpu"
    else
      printf '| `%s` | %s ms | %s ms | %s ms |\n' "$label" "$median" "$min" "$cpu"
    fi
  done
done
