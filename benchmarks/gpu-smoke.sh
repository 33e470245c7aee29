#!/usr/bin/env bash
# GPU smoke test for a short GPU session (issue 13): one command, every step under its own timeout and all under one
# deadline, a line PASS / FAIL / SKIP per step with its numbers, a summary, exit 1 if anything failed. docs/trainer.md.
#   benchmarks/gpu-smoke.sh prepare   # on the build machine: classes, test classes, jars, a jlink Java runtime and a
#                                     # Fashion-MNIST slice into benchmarks/target/gpu-smoke, packed (xz) into
#                                     # benchmarks/target/gpu-bundle/gpu-smoke.tar.xz (45 MiB: no Maven, Java or network there)
#   benchmarks/gpu-smoke.sh           # on the GPU machine (or here: the GPU steps say SKIP): unpacks the bundle, runs the steps
# With the device tool: `prepare` here, then `run` with carry=["benchmarks/target/gpu-bundle"] and
# `bash benchmarks/gpu-smoke.sh` (about 450 s on an H200; SMOKE_SECONDS, default 520, is the deadline; SMOKE_ONLY, a
# regular expression over step names such as 'gemm|train-.*-xl', runs only those steps after the always-run ones).
# Steps: facts (nvidia-smi, Java, nvcc), ptx (ISA of the built kernels), probe (per precision, with load time), nvml (the
# power-agent's NVML source logging the GPU's energy counter and power every 50 ms for the rest of the script), tests
# (the trainer's GPU tests through the JUnit console; skips are failures where the probe found a GPU), gemm (every GEMM
# kernel on a 4096^3 product, bit for bit against each other, then TFLOP/s each: SIMT FP32, WMMA, mma.sync, the mma.sync
# ones also at every other pipeline depth), train-*-xl (the
# compute-bound preset, 784-8192-8192-10 at batch 4096, at least 20 steps and 6 s per precision), train-* (at least
# 200 steps and 8 s per precision of a 784-2048-2048-10 MLP at batch 512: samples/s, TFLOP/s, joules from the energy
# counter over the timed window, J per 1,000 samples; train-amp-fp16-small(-graphs): the demo's size without and with
# CUDA graphs; train-*-cnn: the --preset cnn CNN at batch 256), infer-* (at least 300 batches and 8 s of 4,096 per inference
# precision: inferences/s, TFLOP/s or TOPS, J per 1,000 inferences; int8 on the integer tensor cores, int8-dp4a through
# dp4a, int4 as W4A8 through dp4a, fp8 on sm_89+ only), accuracy-* (the default model trained 5 epochs on the slice per training precision),
# experiment (what --device auto does for a sweep: one device, an fp32 model trained, inference in every precision),
# sanitizer-* (compute-sanitizer memcheck and racecheck of every GEMM kernel on 264^3 and of a short training run,
# memcheck of a short int8 inference, racecheck of a short int4 inference).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/benchmarks/target/gpu-smoke"
bundle="$here/benchmarks/target/gpu-bundle"
dataset="${AMPWATCH_DATASET:-/usr/share/datasets/fashion-mnist}"
junit_version=1.14.1

prepare() {
  set -e
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent,power-agent -am -DskipTests install
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent,power-agent test-compile
  rm -rf "$out" && mkdir -p "$out/lib"
  mvn -q -B -f "$here/pom.xml" -pl trainer-agent dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib"
  mvn -q -B -f "$here/pom.xml" -pl power-agent dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version" \
      -DoutputDirectory="$out/junit" -N
  # what no step loads (the Kafka client and its codecs, OSHI, the serial port, ByteBuddy, JCuda's PTX compiler
  # binding): the bundle must fit the device tool's 64 MiB transfer with the working tree
  rm -f "$out"/lib/{kafka-clients,zstd-jni,snappy-java,lz4-java,oshi-core,jSerialComm,jna-platform,byte-buddy}-*.jar
  # nor the tables' readers (Parquet, the Hadoop classes it links, CSV): no step trains on a table
  rm -f "$out"/lib/{parquet-*,hadoop-*,jts-core,aircompressor,commons-csv,commons-pool}-*.jar
  if command -v zip > /dev/null; then # 8 MiB less to carry; without zip the bundle is still under the limit
    (cd "$out/lib" && zip -q -d jcuda-natives-*.jar 'lib/libJNvPTXCompiler-*')
  fi
  cp -r "$here/trainer-agent/target/classes" "$out/classes"
  cp -r "$here/trainer-agent/target/test-classes" "$out/test-classes"
  cp -r "$here/power-agent/target/classes" "$out/power-classes"
  cp -r "$here/power-agent/target/test-classes" "$out/power-test-classes"
  # a Java runtime (the GPU machine has none): the modules the steps use, uncompressed so that xz packs it well
  "${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin/jlink" --output "$out/jre" \
      --add-modules java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported \
      --strip-debug --no-header-files --no-man-pages
  # Fashion-MNIST for the accuracy steps: the test set and the first 30,000 training images (the last 2,500 of
  # them the validation split: a twelfth, FashionMnist.load), so that the bundle fits; the same files give the CPU reference (docs/benchmarks.md)
  mkdir -p "$out/fashion-mnist"
  python3 - "$dataset" "$out/fashion-mnist" <<'PY'
import gzip, shutil, struct, sys
src, dst = sys.argv[1], sys.argv[2]
for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
    shutil.copy(f"{src}/{name}", f"{dst}/{name}")
keep = 30000
with gzip.open(f"{src}/train-images-idx3-ubyte.gz") as f:
    magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
    body = f.read(keep * rows * cols)
with gzip.open(f"{dst}/train-images-idx3-ubyte.gz", "wb", 9) as f:
    f.write(struct.pack(">IIII", magic, keep, rows, cols) + body)
with gzip.open(f"{src}/train-labels-idx1-ubyte.gz") as f:
    magic, n = struct.unpack(">II", f.read(8))
    body = f.read(keep)
with gzip.open(f"{dst}/train-labels-idx1-ubyte.gz", "wb", 9) as f:
    f.write(struct.pack(">II", magic, keep) + body)
PY
  mkdir -p "$bundle"
  (cd "$(dirname "$out")" && XZ_OPT=-6 tar cJf "$bundle/gpu-smoke.tar.xz" "$(basename "$out")")
  echo "prepared $out ($(du -sm "$out" | cut -f1) MiB), packed into $bundle/gpu-smoke.tar.xz ($(du -sm "$bundle" | cut -f1) MiB)"
}

pass=0; fail=0; skip=0
report() { # STATUS STEP TEXT
  echo "$1 $2: $3"
  case "$1" in PASS) pass=$((pass + 1));; FAIL) fail=$((fail + 1));; *) skip=$((skip + 1));; esac
}

# chosen STEP: whether SMOKE_ONLY (an extended regular expression over step names, e.g. 'gemm|train-.*-xl'; unset:
# every step) selects the step; facts, ptx, probe and nvml always run. A step left out says so (SKIP), so that a
# second, shorter call after a fix reruns what it needs and nothing else.
chosen() {
  if [[ -z ${SMOKE_ONLY:-} ]] || [[ $1 =~ ^(${SMOKE_ONLY})$ ]]; then return 0; fi
  report SKIP "$1" "not selected (SMOKE_ONLY=$SMOKE_ONLY)"
  return 1
}

# left LIMIT: LIMIT seconds, or fewer when the script's deadline (SMOKE_SECONDS, default 520) is nearer; 0 when
# under 15 s are left (the step is then skipped, so that the steps after the slow one still report)
left() {
  local remaining=$((deadline - SECONDS))
  if ((remaining < 15)); then echo 0; elif ((remaining < $1)); then echo "$remaining"; else echo "$1"; fi
}

# bounded LIMIT: as left, but at least 1 (timeout 0 would mean no limit at all) for the steps that always run
bounded() {
  local l
  l=$(left "$1")
  echo $((l > 0 ? l : 1))
}

# window_energy FROM_MS TO_MS: "JOULES SECONDS WATTS HOW" of gpu0 between two epoch-millisecond instants, from the
# NVML log: the cumulative energy counter interpolated at both ends (the hardware's own integral); where the counter
# is missing, the mean of the power readings inside the window times its length
window_energy() {
  awk -v a="$1" -v b="$2" '
    function at(x,   i) {
      for (i = 2; i <= n; i++) if (T[i] >= x && T[i - 1] <= x && E[i] != "-" && E[i - 1] != "-")
        return E[i - 1] + (E[i] - E[i - 1]) * (x - T[i - 1]) / (T[i] - T[i - 1])
      return ""
    }
    $2 == "gpu0" { n++; T[n] = $1; E[n] = $3; W[n] = $4 }
    END {
      s = (b - a) / 1000; ea = at(a); eb = at(b)
      if (ea != "" && eb != "" && s > 0) { printf "%.2f %.3f %.1f energy-counter", (eb - ea) / 1e6, s, (eb - ea) / 1e6 / s; exit }
      for (i = 1; i <= n; i++) if (T[i] >= a && T[i] <= b && W[i] != "-") { ws += W[i]; k++ }
      if (k && s > 0) printf "%.2f %.3f %.1f mean-of-%d-power-readings", ws / k * s, s, ws / k, k
    }' "$out/logs/nvml.log"
}

# measured KIND PRECISION LIMIT UNIT PER COUNT SECONDS [HIDDEN [BATCH [SUFFIX [JAVA_OPTION]]]]: GpuSmoke KIND PRECISION
# COUNT HIDDEN SECONDS [BATCH] (at least COUNT batches and SECONDS seconds; HIDDEN 2048 by default) with the GPU's
# energy over the measured window from the NVML log; reports its line, the joules and watts, and the joules per PER
# units (samples, inferences). The step is KIND-PRECISION[-SUFFIX]; JAVA_OPTION (e.g. -Dampwatch.gpu.graphs=true) goes
# to its JVM.
measured() {
  local kind=$1 p=$2 unit=$4 per=$5 count=$6 seconds=$7 hidden=${8:-2048} batch=${9:-} step="$1-$2${10:+-${10}}" line code
  local energy rate limit opts=(${11:-})
  limit=$(left "$3")
  chosen "$step" || return
  if [[ $gpu != true ]]; then report SKIP "$step" "no GPU"; return; fi
  if ((limit == 0)); then report SKIP "$step" "out of time (SMOKE_SECONDS)"; return; fi
  line=$(timeout "$limit" "${java[0]}" "${opts[@]}" "${java[@]:1}" dev.ampwatch.trainer.gpu.GpuSmoke "$kind" "$p" "$count" "$hidden" "$seconds" $batch 2>&1 \
      | tee "$out/logs/$step.log" | tail -1); code=$?
  if [[ $line == PASS* ]]; then
    local window=${line##*window }
    energy=$(window_energy "${window%-*}" "${window#*-}")
    rate=$(echo "$line" | sed -n "s/.* \([0-9]*\) $unit\/s.*/\1/p")
    report PASS "$step" "${line#PASS $kind $p: }; GPU $( [[ -n $energy ]] && echo "$energy" | awk -v r="$rate" -v per="$per" -v u="$unit" \
        '{ printf "%s J in %s s, %s W (NVML %s)", $1, $2, $3, $4; if (r > 0) printf ", %.4g J per %d %s", $3 / r * per, per, u }' \
        || echo "energy unknown (no NVML log)")"
  elif [[ $line == SKIP* ]]; then
    report SKIP "$step" "${line#SKIP $kind $p: }"
  else
    report FAIL "$step" "exit $code: $line"
  fi
}

# sanitize TOOL:WHAT...: compute-sanitizer (memcheck: out-of-bounds and misaligned accesses; racecheck: shared-memory
# hazards, the GEMMs' tiles) of WHAT: gemm (every GEMM kernel once per transpose on 264^3: edges in both tiles of the
# mma.sync GEMMs, both cp.async stages), train (a short fp32 training run), infer (a short int8 inference: the
# quantized kernels), infer4 (int4: the W4A8 GEMM widens nibbles in shared memory)
sanitize() {
  local spec tool what san code
  for spec in "$@"; do
    what=${spec#*:}; tool=${spec%%:*}
    chosen "sanitizer-$tool-$what" || continue
    if [[ $gpu == true ]] && command -v compute-sanitizer > /dev/null && [[ $(left 120) != 0 ]]; then
      local args=(train fp32 3 256)
      [[ $what == gemm ]] && args=(gemm 264 0)
      [[ $what == infer ]] && args=(infer int8 3 256)
      [[ $what == infer4 ]] && args=(infer int4 3 256)
      san=$(timeout "$(bounded 120)" compute-sanitizer --tool "$tool" --error-exitcode 9 "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke "${args[@]}" 2>&1); code=$?
      echo "$san" > "$out/logs/sanitizer-$tool-$what.log"
      if [[ $code -eq 0 ]]; then report PASS "sanitizer-$tool-$what" "$(echo "$san" | grep -m1 -E 'ERROR SUMMARY|RACECHECK SUMMARY' || echo 'no errors')"
      elif echo "$san" | grep -q "Device not supported"; then report SKIP "sanitizer-$tool-$what" "compute-sanitizer: Device not supported (this runtime)"
      else report FAIL "sanitizer-$tool-$what" "exit $code: $(echo "$san" | grep -m3 -E 'ERROR|Invalid|hazard' | tr '\n' ' ')"; fi
    else
      report SKIP "sanitizer-$tool-$what" "$([[ $gpu != true ]] && echo 'no GPU' || { command -v compute-sanitizer > /dev/null && echo 'out of time (SMOKE_SECONDS)' || echo 'compute-sanitizer not installed'; })"
    fi
  done
}

run() {
  if [[ ! -d "$out/classes" && -f "$bundle/gpu-smoke.tar.xz" ]]; then # the carried bundle: unpack it (python: no xz needed)
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle/gpu-smoke.tar.xz" "$(dirname "$out")"
  fi
  if [[ ! -d "$out/classes" ]]; then
    if command -v mvn > /dev/null; then prepare; else echo "FAIL prepare: $out is missing (run '$0 prepare' on the build machine)"; exit 1; fi
  fi
  local deadline=$((SECONDS + ${SMOKE_SECONDS:-520}))
  mkdir -p "$out/logs"
  local cp="$out/classes:$out/test-classes:$(ls "$out"/lib/*.jar | tr '\n' ':')"
  local jre=java
  [[ -x "$out/jre/bin/java" ]] && jre="$out/jre/bin/java"
  local java=("$jre" -Xmx4g -cp "$cp")
  local gpu=false logger=""
  export PATH="$PATH:/usr/local/cuda/bin"

  if command -v nvidia-smi > /dev/null; then
    if facts=$(timeout 30 nvidia-smi --query-gpu=name,driver_version,compute_cap,power.limit,memory.total,clocks.max.sm --format=csv,noheader 2>&1); then
      report PASS facts "$facts; $("$jre" -version 2>&1 | head -1); $(nvcc --version 2> /dev/null | tail -1)"
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

  local probe code retry
  probe=$(timeout "$(bounded 120)" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke probe 2>&1); code=$?
  # a GPU is there but no backend opens: the mma.sync GEMMs' self-check runs at every opening, and a kernel that
  # faults there (an illegal address) ends the context. Try once without them; where that works, the rest of the
  # script runs on the WMMA GEMMs (AMPWATCH_GPU_GEMM=wmma) and this says why, so the session still measures the rest
  if [[ $code -ne 0 && -z ${AMPWATCH_GPU_GEMM:-} ]] && command -v nvidia-smi > /dev/null; then
    retry=$(AMPWATCH_GPU_GEMM=wmma timeout "$(bounded 120)" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke probe 2>&1)
    if [[ $? -eq 0 ]]; then
      report FAIL mma "no GPU backend opens with the mma.sync GEMMs, it does without them; the rest runs on WMMA (AMPWATCH_GPU_GEMM=wmma): $(echo "$probe" | grep -m1 -v '^PASS' | cut -c1-300)"
      export AMPWATCH_GPU_GEMM=wmma
      probe=$retry; code=0
    fi
  fi
  echo "$probe" | sed 's/^/  /'
  case $code in
    0) gpu=true; report PASS probe "a GPU backend works";;
    2) report SKIP probe "no working GPU backend: $(echo "$probe" | head -1 | cut -d: -f2-)";;
    *) report FAIL probe "exit $code";;
  esac

  if [[ $gpu == true ]]; then # the power-agent's NVML source, logging the whole run (window_energy reads it)
    "$jre" -cp "$out/power-classes:$out/power-test-classes:$cp" dev.ampwatch.power.nvml.NvmlLog 50 > "$out/logs/nvml.log" 2>&1 &
    logger=$!
  fi

  local tests summary
  if chosen tests; then
    tests=$(timeout "$(bounded 240)" "$jre" -Dampwatch.requireGpu=$gpu -jar "$out/junit/junit-platform-console-standalone-$junit_version.jar" \
        execute --class-path "$cp" --select-package dev.ampwatch.trainer.gpu --exclude-classname '.*FakeCudaTest' --details=tree --disable-banner --disable-ansi-colors \
        --reports-dir "$out/logs/junit" 2>&1); code=$?
    echo "$tests" > "$out/logs/tests.log"
    summary=$(echo "$tests" | grep -E "tests (successful|failed|skipped|aborted)" | tr -s ' ' | tr '\n' ';')
    if [[ $code -ne 0 ]]; then
      report FAIL tests "exit $code: $summary"; echo "$tests" | grep -E "MethodSource|=>|✘" | head -40 | sed 's/^/  /'
    elif [[ $gpu == true ]]; then
      report PASS tests "$summary (GPU required: no skip passes)"
    else
      report SKIP tests "GPU tests skipped (no GPU); the CPU-side ones ran: $summary"
    fi
  fi

  if [[ -n $logger ]] && ! kill -0 "$logger" 2> /dev/null; then
    report FAIL nvml "the power-agent's NVML logger stopped: $(head -5 "$out/logs/nvml.log" | tr '\n' ' ')"; logger=""
  elif [[ -n $logger ]]; then
    report PASS nvml "$(grep -m1 '^#' "$out/logs/nvml.log"); $(grep -c gpu0 "$out/logs/nvml.log") readings so far, last: $(grep gpu0 "$out/logs/nvml.log" | tail -1)"
  fi

  # every GEMM kernel on one 4096^3 product: checked against each other bit for bit, then timed (TFLOP/s); FAIL too
  # where the mma.sync GEMMs failed their self-check on an sm_80+ GPU, so that training fell back to WMMA
  if ! chosen gemm; then :
  elif [[ $gpu != true ]]; then report SKIP gemm "no GPU"
  elif [[ $(left 90) == 0 ]]; then report SKIP gemm "out of time (SMOKE_SECONDS)"
  else
    line=$(timeout "$(bounded 90)" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke gemm 4096 1 2>&1 | tee "$out/logs/gemm.log" | tail -1)
    case $line in PASS*) report PASS gemm "${line#PASS gemm }";; *) report FAIL gemm "$line";; esac
  fi

  # the order is the findings' order of importance, so that a deadline cuts the least: first the compute-bound
  # preset (784-8192-8192-10, batch 4096: what FP32 against mixed precision is about), then the 2048-wide shape
  local p
  for p in fp32 tf32 amp-fp16 amp-bf16; do
    measured train "$p" 60 "samples" 1000 20 6 8192 4096 xl
  done
  for p in fp32 tf32 amp-fp16 amp-bf16; do
    measured train "$p" 60 "samples" 1000 200 8
  done
  # the --preset cnn model (convolutions c32k3s1,c64k3s2,c128k3s2 as im2col GEMMs, hidden 256) at batch 256
  for p in fp32 amp-fp16 amp-bf16; do
    measured train "$p" 50 "samples" 1000 50 6 cnn 256 cnn
  done
  for p in fp32 fp16 bf16 int8 int8-dp4a int4 fp8; do
    measured infer "$p" 60 "inferences" 1000 300 8
  done
  sanitize memcheck:gemm racecheck:gemm
  # the demo's size (784-256-256-10, batch 128) is launch-bound on a data-centre GPU: the same step as CUDA graphs
  measured train amp-fp16 45 "samples" 1000 200 5 256 128 small
  measured train amp-fp16 45 "samples" 1000 200 5 256 128 small-graphs -Dampwatch.gpu.graphs=true

  # what a precision does to the model: the default MLP trained on the carried Fashion-MNIST subset
  local line dir="${AMPWATCH_DATASET_SMOKE:-$out/fashion-mnist}"
  for p in fp32 amp-fp16 amp-bf16; do
    chosen "accuracy-$p" || continue
    if [[ $gpu != true ]]; then report SKIP "accuracy-$p" "no GPU"; continue; fi
    if [[ $(left 60) == 0 ]]; then report SKIP "accuracy-$p" "out of time (SMOKE_SECONDS)"; continue; fi
    line=$(timeout "$(bounded 60)" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke accuracy "$p" 5 "$dir" 2>&1 | tee "$out/logs/accuracy-$p.log" | tail -1)
    case $line in PASS*) report PASS "accuracy-$p" "${line#PASS accuracy $p: }";; *) report FAIL "accuracy-$p" "$line";; esac
  done

  # what a sweep or the demo does with --device auto, without Kafka: one device for the experiment, an fp32 model
  # trained on it, then inference of that model in every inference precision on the same device
  if ! chosen experiment; then :
  elif [[ $gpu != true ]]; then report SKIP experiment "no GPU"
  elif [[ $(left 90) == 0 ]]; then report SKIP experiment "out of time (SMOKE_SECONDS)"
  else
    line=$(timeout "$(bounded 90)" "${java[@]}" dev.ampwatch.trainer.gpu.GpuSmoke experiment 3 "$dir" 2>&1 | tee "$out/logs/experiment.log" | grep -v INFO)
    if [[ $(echo "$line" | grep -c "^PASS inference") -ge 4 ]]; then
      report PASS experiment "$(echo "$line" | head -1 | cut -c1-120); $(echo "$line" | grep "^PASS inference" | sed 's/^PASS inference \([a-z0-9]*\) on [a-z0-9]*: test accuracy \([0-9.]*\).*/\1 \2/' | tr '\n' ' ')"
    else
      report FAIL experiment "$(echo "$line" | tail -3 | tr '\n' ' ')"
    fi
  fi

  sanitize memcheck:train racecheck:train memcheck:infer racecheck:infer4

  [[ -n $logger ]] && kill "$logger" 2> /dev/null
  echo "summary: $pass PASS, $fail FAIL, $skip SKIP ($SECONDS s)"
  [[ $fail -eq 0 ]]
}

case "${1:-run}" in
  prepare) prepare;;
  run) run;;
  *) echo "usage: $0 [prepare|run]"; exit 2;;
esac
