#!/usr/bin/env bash
# How often a read-committed reader's end offset still stops before a transaction's writes right after the
# commit returned: the window the direct engine's changelog restore must not read in (MarkerWindow,
# docs/benchmarks.md).
#   benchmarks/marker-window.sh [--commits=2000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${AMPWATCH_BENCH_NO_BUILD:-}" ]]; then
  mvn -q -B -f "$here/pom.xml" -pl benchmarks -am -DskipTests package
fi
cp="$here/benchmarks/target/classes:$(cat "$here/benchmarks/target/classpath.txt")"
exec java -Xmx1g -cp "$cp" dev.ampwatch.bench.throughput.MarkerWindow "$@"
