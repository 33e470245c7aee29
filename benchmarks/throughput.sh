#!/usr/bin/env bash
# End-to-end analyzer throughput and latency on a real KRaft broker (a child process); see
# ThroughputBenchmark. One run: a 20-host backlog of 10^6 samples, the plain-consumer ceiling, the
# analyzer (exactly-once, 2 stream threads) until every run is final, then live latency at 20,000 samples/s.
#   benchmarks/throughput.sh                              # defaults
#   benchmarks/throughput.sh --samples=200000 --live-hosts=0
#   benchmarks/throughput.sh --live-hosts=0 --profile=/tmp/analyzer.jfr  # JFR per engine (/tmp/direct-analyzer.jfr, ...) + summary
#   benchmarks/throughput.sh --engines=direct --analyzer-warmup=0            # one engine, measured cold
#   benchmarks/throughput.sh --live-hosts=0 --guarantee=at_least_once      # what exactly-once costs
# Options: --samples --hosts --partitions --threads --live-hosts --warmup --measure --profile --timeout
# --guarantee --engines --analyzer-warmup. A recording can be summarized again with
#   java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.ampwatch.bench.throughput.JfrSummary FILE.jfr
# AMPWATCH_BENCH_NO_BUILD=1 skips the Maven build (benchmarks/target must then hold one).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
java -Xmx3g -XX:FlightRecorderOptions:stackdepth=128 -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -cp "$cp" dev.ampwatch.bench.throughput.ThroughputBenchmark "$@"
# JDK 17's jfr tool has no 'view'; a newer JDK's does, on the same recording
profile=""
for a in "$@"; do [[ "$a" == --profile=* ]] && profile="${a#--profile=}"; done
jfr25="$(ls -d /usr/lib/jvm/temurin-2[5-9]*/bin/jfr 2>/dev/null | head -1 || true)"
if [[ -n "$profile" && -n "$jfr25" ]]; then
  for f in "$(dirname "$profile")"/*-"$(basename "$profile")"; do
    [[ -f "$f" ]] || continue
    echo; echo "== $jfr25 view hot-methods $f"
    "$jfr25" view --width 160 hot-methods "$f" || true
  done
fi
