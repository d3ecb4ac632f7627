#!/usr/bin/env bash
# One command for the benchmark: installs Linux autofs 5.1.8 from Debian
# (without starting its service), builds amd and the benchmark, and runs
# amd, autofs, the floor and bare mount(2) side by side in one run, in a
# private mount namespace. Extra arguments go to autofs_bench (--before
# AMD_BINARY adds an earlier amd; bench/compare.sh does that). Where this
# machine's kernel has no autofs (or AMD_KERNEL_LAB is set), the run
# happens inside the kernel lab's guest instead, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-deps.sh --held autofs  # the benchmark runs automount itself
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
if grep -qw autofs /proc/filesystems && [[ -z ${AMD_KERNEL_LAB:-} ]]; then
  exec unshare -m --propagation private build-rel/bench/autofs_bench "$PWD/build-rel/amd/amd" "$@"
fi
# No autofs in this kernel (or AMD_KERNEL_LAB set): the same run inside
# the kernel lab's guest, with Debian's automount, its lookup and mount
# modules, and util-linux's mount(8), which automount forks.
echo "== this kernel ($(uname -r)) has no autofs file system: the benchmark runs in the kernel lab"
autofs=(/usr/sbin/automount /bin/mount /bin/umount /usr/lib/x86_64-linux-gnu/autofs/*.so)
# An earlier amd to compare with (--before, bench/compare.sh) goes in too.
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  [[ ${args[i]} == --before ]] && autofs+=("${args[i + 1]}")
done
printf 'BENCH_ARGS="%s"\n' "$*" > build-rel/bench/lab.env
AMD_LAB_VERBOSE=scenario AMD_LAB_TIMEOUT=${AMD_LAB_TIMEOUT:-3600} AMD_LAB_MEMORY=${AMD_LAB_MEMORY:-2048} \
  exec tests/kernel-lab/lab.sh --env build-rel/bench/lab.env bench/lab-scenario.sh \
  build-rel/bench/autofs_bench build-rel/amd/amd "${autofs[@]}"
