#!/usr/bin/env bash
# What measuring NFS mounts costs amd (amd(8), NFS RESPONSE TIMES): builds
# amd and nfs_stats_bench, then
#   - on this host: 100 made-up NFS records parsed and differenced, and
#     nfs-utils' mountstats iostat (nfsiostat's method) reading the same
#     file, side by side;
#   - in the kernel lab (Debian's kernel, its NFS client, nfs-ganesha on
#     this host): amd with 100 real NFS mounts read every second, its
#     engine's CPU share, and the bench reading the real file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
b=build-rel
echo "== this host: 100 made-up NFS records"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$b/bench/nfs_stats_bench" --synthetic 100 --polls 200 --write "$tmp"
start=$(date +%s%N)
for _ in $(seq 10); do mountstats iostat -f "$tmp" -S "$tmp" > /dev/null; done
end=$(date +%s%N)
echo "nfs-utils' mountstats iostat on the same file: $(((end - start) / 10000)) us per reading (wall clock, Python's start included)"
echo "== the kernel lab: 100 real NFS mounts"
AMD_LAB_VERBOSE=scenario AMD_LAB_TIMEOUT=600 tests/kernel-lab/lab.sh bench/nfs-stats-lab.sh \
  "$b/bench/nfs_stats_bench" "$b/amd/amd" "$b/amq/amq"
