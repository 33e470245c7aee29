#!/usr/bin/env bash
# GPU smoke test for a short GPU session (issue 13): one command, every step under its own timeout, a line
# PASS / FAIL / SKIP per step with its numbers, a summary, exit 1 if anything failed. docs/trainer.md.
#   benchmarks/gpu-smoke.sh prepare   # on the build machine: classes, test classes and jars into
#                                     # benchmarks/target/gpu-smoke (no Maven or network needed to run them)
#   benchmarks/gpu-smoke.sh           # on the GPU machine (or here: the GPU steps say SKIP): runs the steps
# With the device tool: run `prepare` here, then run the script there with carry=["benchmarks/target/gpu-smoke"].
# Steps: facts (nvidia-smi), ptx (ISA of the built kernels), probe (per precision, with load time), tests (the
# trainer's GPU tests through the JUnit console; skips are failures where the probe found a GPU), train-* (200
# steps per precision of a 784-2048-2048-10 MLP at batch 512: samples/s, TFLOP/s, watts from nvidia-smi beside it,
# joules per sample), infer-* (300 batches of 4,096 per inference precision, int8 through dp4a: inferences/s,
# TFLOP/s or TOPS, watts, joules per 1,000 inferences; fp8 on sm_89+ only), sanitizer-* (compute-sanitizer memcheck and racecheck of a short
# training run, memcheck of a short int8 inference, if installed).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/benchmarks/target/gpu-smoke"
junit_version=1.14.1

prepare() {
  set -e
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent -am -DskipTests install
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent test-compile
  rm -rf "$out" && mkdir -p "$out/lib"
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version" \
      -DoutputDirectory="$out/junit" -N
  cp -r "$here/trainer-agent/target/classes" "$out/classes"
  cp -r "$here/trainer-agent/target/test-classes" "$out/test-classes"
  echo "prepared $out ($(du -sm "$out" | cut -f1) MiB)"
}

pass=0; fail=0; skip=0
report() { # STATUS STEP TEXT
  echo "$1 $2: $3"
  case "$1" in PASS) pass=$((pass + 1));; FAIL) fail=$((fail + 1));; *) skip=$((skip + 1));; esac
}

# measured KIND PRECISION TIMEOUT UNIT FACTOR FORMAT COUNT: GpuSmoke KIND PRECISION COUNT 2048 with the GPU's power
# logged beside it (nvidia-smi, 100 ms); reports its line, the mean watts and FACTOR x watts / (UNIT per second).
measured() {
  local kind=$1 p=$2 limit=$3 unit=$4 factor=$5 format=$6 count=$7 step="$1-$2" line code watts rate logger
  if [[ $gpu != true ]]; then report SKIP "$step" "no GPU"; return; fi
  rm -f "$out/power-$step.csv"
  nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits -lms 100 > "$out/power-$step.csv" 2>/dev/null &
  logger=$!
  line=$(timeout "$limit" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke "$kind" "$p" "$count" 2048 2>&1 | tail -1); code=$?
  kill "$logger" 2> /dev/null; wait "$logger" 2> /dev/null
  watts=$(awk -F, '{ s += $1; n++ } END { if (n) printf "%.1f", s / n }' "$out/power-$step.csv")
  rate=$(echo "$line" | sed -n "s/.* \([0-9]*\) $unit\/s.*/\1/p")
  if [[ $line == PASS* ]]; then
    report PASS "$step" "${line#PASS $kind $p: }; GPU ${watts:-?} W mean (nvidia-smi, 100 ms)$( [[ -n $watts && -n $rate ]] \
        && awk -v w="$watts" -v s="$rate" -v f="$factor" -v fmt=", $format" 'BEGIN { printf fmt, f * w / s }')"
  elif [[ $line == SKIP* ]]; then
    report SKIP "$step" "${line#SKIP $kind $p: }"
  else
    report FAIL "$step" "exit $code: $line"
  fi
}

run() {
  if [[ ! -d "$out/classes" ]]; then
    if command -v mvn > /dev/null; then prepare; else echo "FAIL prepare: $out is missing (run '$0 prepare' on the build machine)"; exit 1; fi
  fi
  local cp="$out/classes:$out/test-classes:$(ls "$out"/lib/*.jar | tr '\n' ':')"
  local java=(java -Xmx4g -cp "$cp")
  local gpu=false

  if command -v nvidia-smi > /dev/null; then
    if facts=$(timeout 30 nvidia-smi --query-gpu=name,driver_version,compute_cap,power.limit,memory.total --format=csv,noheader 2>&1); then
      report PASS facts "$facts"
    else
      report FAIL facts "nvidia-smi: $facts"
    fi
  else
    report SKIP facts "no nvidia-smi (no NVIDIA driver here)"
  fi

  local worst="" f v
  if ! ls "$out"/classes/dev/ampwatch/trainer/gpu/*.ptx > /dev/null 2>&1; then
    report FAIL ptx "no PTX in the prepared classes: nvcc was not on the PATH when they were built (docs/trainer.md)"
  fi
  for f in "$out"/classes/dev/ampwatch/trainer/gpu/*.ptx; do
    [[ -f "$f" ]] || continue
    v=$(grep -m1 '^\.version' "$f" | awk '{print $2}')
    worst="$worst $(basename "$f")=$v"
    if [[ $(basename "$f") == fp8.ptx ]]; then # optional module: FP8 mma needs ISA 8.4 (R550 and newer)
      if awk -v v="$v" 'BEGIN { exit !(v + 0 > 8.4) }'; then report FAIL ptx "fp8.ptx is PTX ISA $v (FP8 needs 8.4, R550 drivers load <= 8.4)"; fi
    elif awk -v v="$v" 'BEGIN { exit !(v + 0 > 8.0) }'; then report FAIL ptx "$(basename "$f") is PTX ISA $v (R535 drivers load <= 8.0)"; fi
  done
  [[ -n "$worst" ]] && report PASS ptx "PTX ISA:$worst"

  local probe code
  probe=$(timeout 120 "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke probe 2>&1); code=$?
  echo "$probe" | sed 's/^/  /'
  case $code in
    0) gpu=true; report PASS probe "a GPU backend works";;
    2) report SKIP probe "no working GPU backend: $(echo "$probe" | head -1 | cut -d: -f2-)";;
    *) report FAIL probe "exit $code";;
  esac

  local tests
  tests=$(timeout 420 java -Dampwatch.requireGpu=$gpu -jar "$out/junit/junit-platform-console-standalone-$junit_version.jar" execute \
      --class-path "$cp" --select-package dev.ampwatch.trainer.gpu --details=summary --disable-banner 2>&1); code=$?
  local summary
  summary=$(echo "$tests" | grep -E "tests (successful|failed|skipped|aborted)" | tr -s ' ' | tr '\n' ';')
  if [[ $code -ne 0 ]]; then
    report FAIL tests "$summary"; echo "$tests" | grep -E "MethodSource|=>" | head -40 | sed 's/^/  /'
  elif [[ $gpu == true ]]; then
    report PASS tests "$summary (GPU required: no skip passes)"
  else
    report SKIP tests "GPU tests skipped (no GPU); the CPU-side ones ran: $summary"
  fi

  local p
  for p in fp32 tf32 amp-fp16 amp-bf16; do
    measured train "$p" 180 "samples" "1000" "%.3f mJ/sample" 200
  done
  for p in fp32 fp16 bf16 int8 int8-dp4a fp8; do
    measured infer "$p" 120 "inferences" "1000" "%.4f J per 1,000 inferences" 300
  done

  # compute-sanitizer: memcheck (out-of-bounds and misaligned accesses) and racecheck (shared-memory hazards: the
  # GEMMs' tiles) of a short training run per tool, and memcheck of a short int8 inference (the quantized kernels)
  local tool what
  for tool in memcheck:train racecheck:train memcheck:infer; do
    what=${tool#*:}; tool=${tool%%:*}
    if [[ $gpu == true ]] && command -v compute-sanitizer > /dev/null; then
      local san args=(train fp32 3 256)
      [[ $what == infer ]] && args=(infer int8 3 256)
      san=$(timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 9 "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke "${args[@]}" 2>&1); code=$?
      if [[ $code -eq 0 ]]; then report PASS "sanitizer-$tool-$what" "$(echo "$san" | grep -m1 -E 'ERROR SUMMARY|RACECHECK SUMMARY' || echo 'no errors')"; else
        report FAIL "sanitizer-$tool-$what" "exit $code: $(echo "$san" | grep -m3 -E 'ERROR|Invalid|hazard' | tr '\n' ' ')"; fi
    else
      report SKIP "sanitizer-$tool-$what" "$([[ $gpu == true ]] && echo 'compute-sanitizer not installed' || echo 'no GPU')"
    fi
  done

  echo "summary: $pass PASS, $fail FAIL, $skip SKIP"
  [[ $fail -eq 0 ]]
}

case "${1:-run}" in
  prepare) prepare;;
  run) run;;
  *) echo "usage: $0 [prepare|run]"; exit 2;;
esac
