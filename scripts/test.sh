#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
#   1. the normal build and all CTest tests;
#   2. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the libFuzzer targets, each for AMD_FUZZ_SECONDS (default 60) seconds.
# Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh

# Catch test names become CTest names, and CTest splits names at ';' into
# entries that run no test at all.
if grep -rn 'TEST_CASE("[^"]*;' tests; then
  echo "test names above contain ';'" >&2
  exit 1
fi

echo "== build and test (RelWithDebInfo)"
bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== unit tests under ASan + UBSan"
bash scripts/build.sh build-asan -DAMD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit

echo "== fuzzers"
bash scripts/fuzz.sh "${AMD_FUZZ_SECONDS:-60}"
echo "all tests passed"
