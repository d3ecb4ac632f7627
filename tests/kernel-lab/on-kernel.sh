#!/bin/sh
# The CTest emulator of a test binary whose cases need a kernel facility
# that some hosts lack (amd_autofs_tests: autofs):
#
#   on-kernel.sh host|lab RESULTS BINARY ARGS...
#
# host: the case runs here, as every root test does (run-in-namespace.sh).
# lab:  the case ran in the kernel lab, in the one boot that ran them all
#       (kernel_lab.autofs_suite, tests/kernel-lab/suite.sh, which CTest
#       runs first as a fixture); this prints what it printed there and
#       exits with its status, so each case keeps its own name, result and
#       output in CTest. Where the lab could not run, the case is skipped
#       with the lab's reason.
# Test listing (Catch's discovery) runs the binary here in both cases.
where=$1 results=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
for a in "$@"; do
  case "$a" in --list-test-names-only|--list-tests|--list-reporters) exec "$@" ;; esac
done
[ "$where" = lab ] || exec "$here/../run-in-namespace.sh" "$@"
if [ -e "$results/skip" ]; then
  echo "AMD-SKIP: the kernel lab could not run: $(cat "$results/skip")"
  exit 0
fi
# The case's name from its Catch test spec (catch_discover_tests escapes
# ',', '[' and ']' with a backslash), and its result file.
name=$(printf '%s' "$2" | sed 's/\\\([],[]\)/\1/g')
key=$(printf '%s' "$name" | sha1sum | cut -c1-40)
if [ ! -e "$results/$key.rc" ]; then
  echo "the kernel lab left no result for \"$name\" (see kernel_lab.autofs_suite and $results/console.txt)"
  exit 1
fi
echo "(ran in the kernel lab: $(cat "$results/kernel"))"
cat "$results/$key.out"
exit "$(cat "$results/$key.rc")"
