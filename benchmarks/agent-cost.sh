#!/usr/bin/env bash
# The power agent's own CPU cost at 10 Hz with 8 (fake) GPUs and a two-socket RAPL tree; see
# AgentCostBenchmark, once with the JVM's defaults and once with the agent's own JVM options
# (deploy/power-agent.jvm-options). Usage: benchmarks/agent-cost.sh [seconds measured per scenario, default 30] [warm-up seconds, default 20]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# the fake libnvidia-ml.so is compiled by power-agent's test build (process-test-classes)
mvn -q -B -f "$here/pom.xml" -pl power-agent -am -DskipTests process-test-classes
mvn -q -B -f "$here/pom.xml" -pl benchmarks -am -DskipTests package
conf="$(mktemp)"
printf 'gpus=8\n' > "$conf"
for i in 0 1 2 3 4 5 6 7; do printf 'gpu%d.energy_step_mj=30\ngpu%d.arch=9\n' "$i" "$i" >> "$conf"; done
export FAKE_NVML_CONFIG="$conf"
export AMPWATCH_NVML_LIBRARY="$here/power-agent/target/fake-nvml/libnvidia-ml.so.1"
export AMPWATCH_RAPL_SYSFS_ROOT="$here/power-agent/src/test/resources/rapl/server-2s"
cp="$here/benchmarks/target/classes:$(cat "$here/benchmarks/target/classpath.txt")"
echo "== the JVM's defaults"
java -cp "$cp" dev.ampwatch.bench.AgentCostBenchmark "${1:-30}" "${2:-20}"
echo "== the agent's JVM options, as ./ampwatch power-agent runs it: $(cat "$here/deploy/power-agent.jvm-options")"
# shellcheck disable=SC2046
java $(cat "$here/deploy/power-agent.jvm-options") -cp "$cp" dev.ampwatch.bench.AgentCostBenchmark "${1:-30}" "${2:-20}"
