#!/usr/bin/env bash
# What the analyzer's read-back of finished runs for /metrics costs at a fleet's scale (ReadBackBenchmark): the run-energy
# topic's records since a time, each run's latest, against a plain consumer draining the same records.
#   benchmarks/read-back.sh [records=1000000] [runs=2000] [partitions=4]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
exec java -Xmx2g -cp "$cp" dev.ampwatch.analyzer.ReadBackBenchmark "$@"
