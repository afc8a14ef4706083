#!/bin/sh
# Measures the latency kimi-rotator's proxy adds, and its throughput, against a direct call to a fast local
# upstream (both in one JVM on 127.0.0.1). Not a test; prints a table.
# Usage: bench/proxy-latency.sh [concurrency=16] [seconds per run=10] [warm-up seconds=5] [redis|URL [rounds=3]]
#   redis: also through proxies whose key state is on a Redis started here (Debian's redis-server, a free port),
#   or on the Redis at URL (redis://HOST:PORT), beside the file backend, in interleaved rounds.
#   BENCH_JAVA_OPTS: more JVM options, e.g. -Dbench.commandstats=true (Redis's per-command statistics at the end).
set -eu
cd "$(dirname "$0")/.."
cp_file=kimi-proxy/target/bench-classpath.txt
./mvnw -B -q -pl kimi-proxy -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
if [ "${4:-}" = redis ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  set -- "${1:-16}" "${2:-10}" "${3:-5}" "redis://127.0.0.1:$port" "${5:-3}"
fi
# One log line per request is the proxy's default; here it would measure the terminal, not the proxy.
java ${BENCH_JAVA_OPTS:-} -Xms256m -Xmx256m \
    -Dorg.slf4j.simpleLogger.log.io.github.kimirotator.proxy.access=warn \
    -Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=warn \
    -cp "kimi-proxy/target/test-classes:kimi-proxy/target/classes:$(cat "$cp_file")" \
    io.github.kimirotator.proxy.ProxyLatencyBench "$@"
