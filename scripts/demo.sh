#!/usr/bin/env bash
# The main job: installs what is needed, builds amd, and runs the daemon on
# the shipped example configuration (conf/examples/amd.conf). The example
# maps use only local directories (bind mounts, links, a tmpfs program
# mount, a sub-map), so no NFS server is needed.
#
# amd runs in private mount and network namespaces, with a tmpfs over /srv
# holding the demo data and an empty /run, so the demo mounts for real
# without touching this machine's mount table or services; it accesses a few
# automounted paths, shows what got mounted and what amq says, and stops amd
# (which unmounts everything): scripts/demo-run.sh. Where this machine's
# kernel has no autofs (or AMD_KERNEL_LAB is set), the same demo runs in
# the kernel lab, with the real mounts of Debian's kernel under QEMU.
# Exits 0 only when every access did what the demo says.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
amd=$PWD/build/amd/amd
conf=conf/examples/amd.conf

echo "== amd --explain /demo/alice (how a path resolves, no daemon needed)"
"$amd" -F "$conf" --explain /demo/alice | tail -3
echo
if grep -qw autofs /proc/filesystems && [[ -z ${AMD_KERNEL_LAB:-} ]]; then
  exec unshare -m -n --propagation private sh scripts/demo-run.sh "$amd" "$conf" "$PWD/build/amq/amq"
fi
# No autofs in this kernel (or AMD_KERNEL_LAB set): the same demo in the
# kernel lab, Debian's stock kernel under QEMU, which has autofs.
echo "== this kernel ($(uname -r)) has no autofs file system: the demo runs in the kernel lab,"
echo "== Debian's stock kernel under QEMU (tests/kernel-lab/lab.sh); the boot takes 10-30 s"
AMD_LAB_VERBOSE=scenario exec tests/kernel-lab/lab.sh --add "$PWD/conf=/conf" --add "$PWD/scripts/demo-run.sh=/demo-run.sh" \
  tests/kernel-lab/scenarios/demo.sh "$amd" "$PWD/build/amq/amq"
