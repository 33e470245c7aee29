#!/usr/bin/env bash
# Partitions moving while a backlog is attributed: analyzer instances of one application id join and leave
# every --churn-ms until every run is final; each run must have exactly one final record with the energy
# the counters say (RebalanceStress). Exit status 0 when every round was exact.
#   benchmarks/rebalance.sh [--rounds=5] [--churn-ms=400] [--samples=1000000] [--hosts=20] [--partitions=4] [--threads=1]
#                           [--open-transactions=false]  (true: a transaction held open on the changelog across each change)
#                           [--engine=direct]  (or streams)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
exec java -Xmx3g -cp "$cp" dev.ampwatch.bench.throughput.RebalanceStress "$@"
