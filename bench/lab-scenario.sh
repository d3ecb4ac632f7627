# bench/run.sh's benchmark in the kernel lab's guest, for a host whose
# kernel has no autofs: amd, the floor, Linux autofs 5.1.8 (Debian's
# automount, its lookup modules and util-linux's /bin/mount, which it
# forks) and bare mount(2), side by side in one run on Debian's kernel
# under QEMU. $LAB_BINARIES: autofs_bench, amd, then what automount needs;
# $BENCH_ARGS (lab.env) goes to autofs_bench.
. /guest-lib.sh
ip link set lo up
mkdir -p /var /etc
ln -s /run /var/run
set -- $LAB_BINARIES
echo "measured in the kernel lab: Debian's kernel $(uname -r) under QEMU with TCG (software"
echo "emulation of the CPU), $(grep -c ^processor /proc/cpuinfo) virtual CPUs. Every time is many times longer than on the"
echo "host's own kernel; the ratios compare programs measured side by side in this one guest."
echo
if "$1" "$2" ${BENCH_ARGS:-}; then echo "LAB: PASS bench"; else echo "LAB: FAIL bench"; fi
