#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for N seconds
# (scripts/fuzz.sh N), two at a time. Fails on any crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
CC=clang CXX=clang++ bash scripts/build.sh build-fuzz -DAMD_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
targets=(build-fuzz/tests/fuzz/fuzz_*)
mkdir -p build-fuzz/artifacts
pids=()
status=0
run() {
  local t=$1 name
  name=$(basename "$t")
  mkdir -p "build-fuzz/corpus/$name"
  if "$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/artifacts/$name-" "build-fuzz/corpus/$name" \
      "tests/fuzz/corpus/$name" > "build-fuzz/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 stat::number_of_executed_units "build-fuzz/$name.log" | awk '{print $2}') runs)"
  else
    echo "fuzz $name: FAILED"; tail -40 "build-fuzz/$name.log"; return 1
  fi
}
for t in "${targets[@]}"; do
  run "$t" &
  pids+=($!)
  if ((${#pids[@]} >= 2)); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
