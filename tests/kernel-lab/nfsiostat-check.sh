#!/usr/bin/env bash
# kernel_lab.nfsstats: runs scenarios/nfsstats.sh in the kernel lab, then
# holds amd's figures for the two mountstats snapshots the guest printed
# (nfs_iostat, built on kernel-shim/mountstats) against nfs-utils' own
# mountstats tool for the same two files (`mountstats iostat` and
# `mountstats mountstats`, with --since): READ's ops/s, kB/s, kB/op,
# retransmissions, average RTT, execute and queue time and errors, and each
# op's count, RTT and execute time.
#
#   tests/kernel-lab/nfsiostat-check.sh NFS_IOSTAT AMD AMQ
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nfs_iostat=$1
shift
command -v mountstats > /dev/null || {
  echo "AMD-SKIP: nfs-utils' mountstats is not installed (nfs-common; scripts/install-deps.sh)"
  exit 0
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
AMD_LAB_VERBOSE=scenario "$here/lab.sh" "$here/scenarios/nfsstats.sh" "$@" > "$work/out" 2>&1 || status=$?
cat "$work/out"
if grep -q '^AMD-SKIP:' "$work/out"; then exit 0; fi
[[ $status -eq 0 ]] || exit "$status"
for n in 1 2; do
  sed -n "/^SNAPSHOT-BEGIN $n\$/,/^SNAPSHOT-END $n\$/p" "$work/out" | sed '1d;$d' | tr -d '\r' > "$work/s$n"
  [[ -s $work/s$n ]] || { echo "nfsiostat-check: the guest printed no snapshot $n"; exit 1; }
done
mp=/home/stats
"$nfs_iostat" "$work/s1" "$work/s2" "$mp" > "$work/amd.json"
mountstats iostat -f "$work/s2" -S "$work/s1" "$mp" > "$work/iostat.txt"
mountstats mountstats -f "$work/s2" -S "$work/s1" "$mp" > "$work/mountstats.txt"
python3 - "$work/amd.json" "$work/iostat.txt" "$work/mountstats.txt" <<'PY'
import json, re, sys
amd = json.load(open(sys.argv[1]))
iostat = open(sys.argv[2]).read()
mstats = open(sys.argv[3]).read()
failed = 0
def check(name, ours, theirs, places=3):
    global failed
    ok = abs(ours - theirs) <= 0.5 * 10 ** -places + 1e-9
    print(("LAB: PASS " if ok else "LAB: FAIL ") + name + f" (amd {ours:.{places}f}, nfs-utils {theirs:.{places}f})")
    failed += not ok
# mountstats iostat: the READ line's figures (nfsiostat's method).
m = re.search(r"^read:.*\n\s+(.*)$", iostat, re.M)
if not m:
    print("LAB: FAIL nfsiostat-read-line (none)"); sys.exit(1)
v = m.group(1).split()
# ops/s kB/s kB/op retrans (pct) rtt exe queue [errors (pct)]
read = amd["ops"].get("READ")
if read is None:
    print("LAB: FAIL amd-read (no READ in the interval)"); sys.exit(1)
check("read-ops-per-s", read["ops_per_s"], float(v[0]))
check("read-kb-per-s", read["kib_per_s"], float(v[1]))
check("read-kb-per-op", read["kib_per_op"], float(v[2]))
check("read-retrans", read["retrans"], float(v[3]), 0)
check("read-avg-rtt", read["rtt_ms"], float(v[5]))
check("read-avg-exe", read["execute_ms"], float(v[6]))
check("read-avg-queue", read["queue_ms"], float(v[7]))
if len(v) > 8:
    check("read-errors", read["errors"], float(v[8]), 0)
m = re.search(r"^\s+([0-9.]+)\s+([0-9.]+)\s*$", iostat, re.M)
check("rpc-ops-per-s", amd["sends_per_s"], float(m.group(1)))
check("rpc-backlog", amd["backlog"], float(m.group(2)))
# mountstats mountstats: each op's count, RTT and execute time.
ops = re.findall(r"^([A-Z_]+):\n\s+(\d+) ops .*\n.*\n\s+backlog wait: ([0-9.]+)\s+RTT: ([0-9.]+)\s+total execute time: ([0-9.]+)", mstats, re.M)
seen = 0
for name, count, queue, rtt, exe in ops:
    if int(count) == 0:
        continue
    ours = amd["ops"].get(name)
    if ours is None:
        print(f"LAB: FAIL op-{name} (amd has none)"); failed += 1; continue
    check(f"op-{name}-count", ours["ops"], float(count), 0)
    check(f"op-{name}-rtt", ours["rtt_ms"], float(rtt), 6)
    check(f"op-{name}-exe", ours["execute_ms"], float(exe), 6)
    seen += 1
getattr_ops = amd["ops"].get("GETATTR", {}).get("ops", 0)
print(("LAB: PASS" if getattr_ops >= 200 else "LAB: FAIL") + f" known-load-getattrs ({getattr_ops} GETATTRs for 200 stats)")
failed += getattr_ops < 200
print(("LAB: PASS" if seen >= 3 else "LAB: FAIL") + f" ops-compared ({seen})")
failed += seen < 3
print(f"nfsiostat-check: amd's figures against nfs-utils': {failed} differ")
sys.exit(1 if failed else 0)
PY
