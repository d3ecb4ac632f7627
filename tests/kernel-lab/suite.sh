#!/usr/bin/env bash
# One boot of the kernel lab that runs every case of a Catch test binary
# whose cases need a kernel facility the host lacks (CTest's
# kernel_lab.autofs_suite, the fixture of amd_autofs_tests' cases):
#
#   tests/kernel-lab/suite.sh RESULTS SUITE_BINARY BINARY...
#
# Each case runs in the guest as it would here (scenarios/suite.sh); its
# output and exit status land in RESULTS/<sha1 of its name>.out and .rc,
# where the case's own CTest entry finds them (on-kernel.sh). RESULTS/kernel
# names the kernel; RESULTS/skip holds the reason where the lab cannot run.
# Exits non-zero only when the lab itself failed; a failing case fails its
# own CTest entry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=$1
shift
rm -rf "$results"
mkdir -p "$results"
# What the cases run besides the build's binaries: a private rpcbind and
# rpcinfo, util-linux's losetup and mkfs.ext4 (busybox has neither --show
# nor ext4; a test names /sbin/losetup, since busybox's shell runs its own
# applet for a bare name), and the files libtirpc, rpcbind (its _rpc user)
# and mke2fs read.
tools=()
for t in /sbin/rpcbind /usr/sbin/rpcinfo /sbin/losetup /sbin/mkfs.ext4; do
  [[ -x $t ]] && tools+=("$t")
done
adds=(--add "$here/../run-in-namespace.sh=/bin/run-in-namespace.sh")
for f in /etc/netconfig /etc/services /etc/protocols /etc/passwd /etc/group /etc/mke2fs.conf; do
  [[ -e $f ]] && adds+=(--add "$f=$f")
done
start=$(date +%s)
status=0
AMD_LAB_CONSOLE=$results/console.txt AMD_LAB_TIMEOUT=${AMD_LAB_TIMEOUT:-1200} \
  "$here/lab.sh" "${adds[@]}" "$here/scenarios/suite.sh" "$@" "${tools[@]}" > "$results/lab.log" 2>&1 || status=$?
took=$(( $(date +%s) - start ))
if grep -q '^AMD-SKIP:' "$results/lab.log"; then
  sed -n 's/^AMD-SKIP: //p' "$results/lab.log" | head -1 > "$results/skip"
  echo "AMD-SKIP: $(cat "$results/skip")"
  exit 0
fi
sed -n 's/^kernel-lab: kernel /Debian /p' "$results/lab.log" | head -1 | sed 's/$/ under QEMU (TCG)/' > "$results/kernel"
# One result per case.
passed=0 failed=0 skipped=0 out=
while IFS= read -r line; do
  case "$line" in
    LAB-CASE-BEGIN\ *)
      name=${line#LAB-CASE-BEGIN * }
      out=$results/$(printf '%s' "$name" | sha1sum | cut -c1-40)
      : > "$out.out"
      ;;
    LAB-CASE-END\ *)
      rc=${line##* }
      echo "$rc" > "$out.rc"
      if [[ $rc != 0 ]]; then
        failed=$((failed + 1))
      elif grep -q 'AMD-SKIP:' "$out.out"; then
        skipped=$((skipped + 1))
      else
        passed=$((passed + 1))
      fi
      out=
      ;;
    *) [[ -z $out ]] || printf '%s\n' "$line" >> "$out.out" ;;
  esac
done < "$results/console.txt"
summary="kernel lab: $(basename "$1"): $passed passed, $failed failed, $skipped skipped, on $(cat "$results/kernel"), in ${took}s"
echo "$summary" | tee "$results/summary"
if [[ $status -ne 0 ]]; then
  cat "$results/lab.log"
  exit 1
fi
