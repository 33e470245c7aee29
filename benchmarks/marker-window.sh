#!/usr/bin/env bash
# How often a read-committed reader's end offset still stops before a transaction's writes right after the
# commit returned: the window the direct engine's changelog restore must not read in (MarkerWindow,
# docs/benchmarks.md).
#   benchmarks/marker-window.sh [--commits=2000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
exec java -Xmx1g -cp "$cp" dev.ampwatch.bench.throughput.MarkerWindow "$@"
