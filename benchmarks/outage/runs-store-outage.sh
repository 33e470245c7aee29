#!/usr/bin/env bash
# Broker outages against the analyzer's /runs store (docs/operations.md, "statistics app ... at least once").
#
#   benchmarks/outage/runs-store-outage.sh [CYCLES] [OUTAGE_SECONDS]      (defaults: 3 cycles of 240 s; about 5 min each)
#
# A broker and an analyzer (the build in launcher/target: mvn -o -q install -DskipTests first) on ports 19292/19293 and
# 19664, 10 finished runs written to ampwatch.run-energy, then per cycle: a run's running totals written as fast as
# the broker takes them, the broker killed (kill -9) 3-8 s later, restarted OUTAGE_SECONDS later, one more finished run
# written; /runs must then list every run. An outage of over two minutes that begins while the statistics commit (the
# analyzer commits them every 20 ms here, to land there often) is what lost the earlier runs under exactly-once
# (Kafka Streams 4.3.1): "Start restoring changelog partition ...run-energy-store-changelog-0 from current offset N"
# in the analyzer's log (DEBUG, logback.xml here) with N the offset of the last record written before the outage.
# Exit 0: every cycle kept every run; 1: a cycle lost some (the runs listed are printed). Logs: $OUT (default
# /tmp/ampwatch-runs-store-outage).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
N=${1:-3}; OUTAGE=${2:-240}
OUT=${OUT:-/tmp/ampwatch-runs-store-outage}
JAR="$root/launcher/target/ampwatch.jar"; LIB="$root/launcher/target/lib"
[ -f "$JAR" ] || { echo "no $JAR: build first (mvn -o -q install -DskipTests)" >&2; exit 2; }
BS=127.0.0.1:19292; H=http://127.0.0.1:19664
rm -rf "$OUT"; mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}" $(cat "$OUT"/*.pid 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
AMPWATCH=(java -Dlogback.configurationFile="$here/logback.xml" -jar "$JAR") # run as is (no function): $! is the JVM
feed() { java -Dlogback.configurationFile="$here/logback.xml" -cp "$LIB/*" "$here/Feed.java" $BS ampwatch.run-energy "$@"; }
broker() {
  "${AMPWATCH[@]}" broker --data-dir "$OUT/broker" --port 19292 --controller-port 19293 > "$OUT/broker_$1.log" 2>&1 < /dev/null &
  echo $! > "$OUT/broker.pid"
  for _ in $(seq 90); do grep -q "broker ready" "$OUT/broker_$1.log" && return; sleep 1; done
  echo "the broker did not start: $OUT/broker_$1.log" >&2; exit 2
}
count() { curl -s "$H/runs?limit=1000" | grep -o '"run_id"' | wc -l; }
listed() { curl -s "$H/runs?limit=1000" | grep -q "\"$1\""; }
broker 0
"${AMPWATCH[@]}" analyzer --bootstrap-servers $BS --http-port 19664 --state-dir "$OUT/state" -X commit.interval.ms=20 \
  > "$OUT/analyzer.log" 2>&1 < /dev/null &
echo $! > "$OUT/analyzer.pid"
for _ in $(seq 120); do curl -s $H/health | grep -q UP && break; sleep 1; done
feed finished 10 run- 2>/dev/null
for _ in $(seq 60); do [ "$(count)" = 10 ] && break; sleep 1; done
want=10; echo "before: /runs lists $(count) of $want"
for c in $(seq "$N"); do
  java -Dlogback.configurationFile="$here/logback.xml" -cp "$LIB/*" "$here/Feed.java" $BS ampwatch.run-energy live \
    > /dev/null 2>&1 & fp=$!; pids+=($fp)
  for _ in $(seq 60); do listed live && break; sleep 1; done
  [ "$c" = 1 ] && want=$((want + 1))
  sleep "$((3 + RANDOM % 5)).$((RANDOM % 1000))"
  echo "cycle $c: broker killed $(date +%T)"; bp=$(cat "$OUT/broker.pid"); kill -9 "$bp" $fp; wait "$bp" $fp 2>/dev/null
  sleep "$OUTAGE"; broker "$c"; echo "cycle $c: broker back $(date +%T)"
  feed finished 1 "after$c-" 2>/dev/null; want=$((want + 1))
  for _ in $(seq 240); do listed "after$c-0" && break; sleep 1; done
  got=$(count)
  echo "cycle $c: /runs lists $got of $want; so far statistics commits timed out $(grep -c 'Committing task' "$OUT/analyzer.log")," \
    "tasks closed dirty $(grep -c 'are corrupted' "$OUT/analyzer.log")"
  if [ "$got" != "$want" ]; then
    echo "LOST: /runs lists only $(curl -s "$H/runs?limit=1000" | grep -o '"run_id" : "[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')"
    grep "Start restoring changelog partition .*run-energy-store" "$OUT/analyzer.log" | tail -2
    exit 1
  fi
done
echo "every cycle kept every run"
