#!/bin/sh
# Measures the latency kimi-rotator's proxy adds, and its throughput, against a direct call to a fast local
# upstream (both in one JVM on 127.0.0.1). Not a test; prints a table.
# Usage: bench/proxy-latency.sh [concurrency=16] [seconds per run=10] [warm-up seconds=5]
set -eu
cd "$(dirname "$0")/.."
cp_file=kimi-proxy/target/bench-classpath.txt
./mvnw -B -q -pl kimi-proxy -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
# One log line per request is the proxy's default; here it would measure the terminal, not the proxy.
exec java -Xms256m -Xmx256m \
    -Dorg.slf4j.simpleLogger.log.io.github.kimirotator.proxy.access=warn \
    -Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=warn \
    -cp "kimi-proxy/target/test-classes:kimi-proxy/target/classes:$(cat "$cp_file")" \
    io.github.kimirotator.proxy.ProxyLatencyBench "$@"
