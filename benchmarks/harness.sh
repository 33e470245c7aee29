# Sourced by the harness scripts (marker-window.sh, rebalance.sh, throughput.sh): builds the benchmarks module
# with the reactor's jars (-am: the classpath then names them, not the local repository's older ones) unless
# AMPWATCH_BENCH_NO_BUILD is set, and sets $here (the repository) and $cp (the harness's classpath).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${AMPWATCH_BENCH_NO_BUILD:-}" ]]; then
  mvn -q -B -f "$here/pom.xml" -pl benchmarks -am -DskipTests package
fi
cp="$here/benchmarks/target/classes:$(cat "$here/benchmarks/target/classpath.txt")"
