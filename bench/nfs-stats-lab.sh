# bench/run-nfs-stats.sh's guest: amd mounts 100 NFS directories from the
# host's nfs-ganesha with the kernel's client (each its own superblock,
# its own record in /proc/self/mountstats) and reads their statistics
# every second; its engine process's CPU time over 30 idle seconds is
# what measuring 100 mounts costs it (the probes included). Then
# nfs_stats_bench reads the same file 200 times. $LAB_BINARIES:
# nfs_stats_bench, amd, amq.
. /guest-lib.sh
net_up
set -- $LAB_BINARIES
bench=$1
opts='vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,soft,timeo=50,retrans=1'
AMD_GLOBAL='nfs_stats_interval = 1
cache_duration = 3600' start_amd <<MAP
/defaults type:=nfs;rhost:=10.0.2.2;opts:=$opts
*   rfs:=$EXPORT/\${key}
MAP
i=0
while [ $i -lt 100 ]; do
  cat /home/k$i/file > /dev/null
  i=$((i + 1))
done
n=$(grep -c ' /home/k[0-9]* nfs ' /proc/mounts)
check hundred-nfs-mounts test "$n" = 100
echo "measured in the kernel lab: Debian's kernel $(uname -r) under QEMU with TCG (software"
echo "emulation of the CPU): every CPU time is several times what the same work costs on real hardware."
engine=$(cat /proc/$(amq -p)/task/$(amq -p)/children | cut -d' ' -f1)
ticks() { awk '{print $14 + $15}' /proc/$engine/stat; }
hz=100
sleep 3
t0=$(ticks)
sleep 30
t1=$(ticks)
echo "amd's engine process, 100 NFS mounts, nfs_stats_interval = 1 s, 30 s idle: $((t1 - t0)) ticks of 1/$hz s"
awk -v t=$((t1 - t0)) -v hz=$hz 'BEGIN { s = t / hz / 30 * 100; printf "share of one CPU: %.2f%% at 1 s; %.2f%% at nfs_stats_interval = 5 s (reading a fifth as often)\n", s, s / 5 }'
amq --mount-stats | tail -3
"$bench" --proc --polls 200
check bench-ran true
stop_amd
