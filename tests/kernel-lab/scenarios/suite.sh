# Runs every test case of one Catch test binary (the first of
# $LAB_BINARIES) in the guest, each as CTest runs a root test on the host:
# in mount and network namespaces of its own (run-in-namespace.sh), bounded
# in time. Each case's output is framed by LAB-CASE-BEGIN/LAB-CASE-END
# lines, which tests/kernel-lab/suite.sh turns into one result per case.
. /guest-lib.sh
set -- $LAB_BINARIES
suite=$1
ip link set lo up
"$suite" --list-test-names-only | grep -v '^$' > /tmp/cases
n=0
while IFS= read -r name; do
  n=$((n + 1))
  spec=$(printf '%s' "$name" | sed 's/[],[]/\\&/g')
  echo "LAB-CASE-BEGIN $n $name"
  timeout -s KILL "${CASE_TIMEOUT:-120}" /bin/run-in-namespace.sh "$suite" "$spec" < /dev/null 2>&1
  echo "LAB-CASE-END $n $?"
done < /tmp/cases
check suite-ran test "$n" -gt 0
