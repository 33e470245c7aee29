#!/usr/bin/env bash
# Builds and runs the JMH benchmarks. Arguments go to JMH, e.g.:
#   benchmarks/run.sh                         # all benchmarks
#   benchmarks/run.sh AttributionBenchmark    # one class
#   benchmarks/run.sh -f 1 -wi 2 -i 3 Topology  # fewer iterations
# Results are printed; record them in docs/benchmarks.md with the date and the machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mvn -q -B -f "$here/pom.xml" -pl benchmarks -am -DskipTests package
cp="$here/benchmarks/target/classes:$(cat "$here/benchmarks/target/classpath.txt")"
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
