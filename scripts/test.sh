#!/usr/bin/env bash
# The test command: installs what is needed, builds, and runs every test.
#   0. the tree's rules (scripts/check-rules.sh);
#   1. the normal build and all CTest tests;
#   2. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the libFuzzer targets, each for AMD_FUZZ_SECONDS (default 60) seconds.
# Exit status is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh

# The tree's own rules: formatting, include direction, the kernel only
# through kernel-shim/ (scripts/check-rules.sh).
bash scripts/check-rules.sh

# Catch test names become CTest names, and CTest splits names at ';' into
# entries that run no test at all.
if grep -rn 'TEST_CASE("[^"]*;' tests; then
  echo "test names above contain ';'" >&2
  exit 1
fi

# kernels: one line on which kernel ran which suite.
kernels() {
  local host="this host's kernel $(uname -r) ($(grep -qw autofs /proc/filesystems && echo with || echo without) autofs, $(grep -qw nfs /proc/filesystems && echo with || echo without) NFS client)"
  local lab="Debian's kernel under QEMU"
  local suite=build/tests/kernel-lab/autofs-suite
  [[ -s $suite/kernel ]] && lab=$(cat "$suite/kernel")
  local autofs="$host"
  [[ $(cat build/tests/kernel-lab/autofs-kernel 2>/dev/null) == lab ]] &&
    autofs="the kernel lab, $lab${suite:+ ($(sed 's/^kernel lab: [^:]*: //; s/, on .*//' "$suite/summary" 2>/dev/null || echo no result))}"
  echo "== kernels: unit, cli, amd_root_tests (NFS front end, network lab) on $host;" \
       "amd_autofs_tests on $autofs; kernel_lab.* on $lab"
}

echo "== build and test (RelWithDebInfo)"
bash scripts/build.sh build
status=0
ctest --test-dir build --output-on-failure -j "$jobs" || status=$?
kernels
((status == 0)) || exit "$status"

echo "== unit tests under ASan + UBSan"
bash scripts/build.sh build-asan -DAMD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit

echo "== fuzzers"
bash scripts/fuzz.sh "${AMD_FUZZ_SECONDS:-60}"
echo "all tests passed"
