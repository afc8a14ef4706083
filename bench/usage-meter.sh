#!/bin/sh
# What reading token usage from answers costs as they stream through the proxy, against copying the same bytes
# once. Not a test; prints a table.
# Usage: bench/usage-meter.sh [rounds=15] [answers per round=200]
set -eu
cd "$(dirname "$0")/.."
cp_file=kimi-proxy/target/bench-classpath.txt
./mvnw -B -q -pl kimi-proxy -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xms256m -Xmx256m \
    -cp "kimi-proxy/target/test-classes:kimi-proxy/target/classes:$(cat "$cp_file")" \
    io.github.kimirotator.proxy.UsageMeterBench "$@"
