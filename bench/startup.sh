#!/usr/bin/env bash
# Measures `kimi-rotator list-keys` wall time on the built distribution, with and without the
# class-data-sharing archive, against a file of 10 keys. Needs hyperfine (Debian package) and a built dist
# (./mvnw -B -q package -DskipTests). Not a test: prints a table for the README.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(ls -d "$root"/kimi-dist/target/kimi-rotator-*/kimi-rotator-*/ | head -n 1)
launcher=$dist/bin/kimi-rotator
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
# Java takes user.home from the password database, not from HOME.
export KIMI_ROTATOR_OPTS="-Duser.home=$work"
for i in $(seq 0 9); do
  "$launcher" add-key "$(printf 'sk-kimi-bench%020d' "$i")" "Bench $i" >/dev/null
done
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
KIMI_ROTATOR_NO_CDS=1 "$launcher" list-keys >/dev/null
"$launcher" list-keys >/dev/null   # first run writes the archive
ls "$HOME"/.config/opencode/kimi-rotator/cache/*.jsa >/dev/null
hyperfine --warmup 3 --runs "${RUNS:-20}" --export-markdown "$work/result.md" \
  -n 'list-keys, no CDS archive' "KIMI_ROTATOR_NO_CDS=1 $launcher list-keys" \
  -n 'list-keys, CDS archive' "$launcher list-keys" \
  -n 'java -Xshare:auto -version (JVM floor)' "java -Xshare:auto -version" >&2
cat "$work/result.md"
echo
echo "Guice injector creation inside list-keys (mean of 10 runs, with the archive):"
for _ in $(seq 1 10); do "$launcher" list-keys --verbose 2>&1 >/dev/null | sed -n 's/^debug: Guice injector created in \([0-9.]*\) ms$/\1/p'; done \
  | awk '{ s += $1; n++ } END { if (n) printf "  %.1f ms\n", s / n }'
