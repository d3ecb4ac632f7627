# NFS response times of a kernel NFS mount (amd(8), NFS RESPONSE TIMES),
# against nfs-ganesha on the host (scenarios/nfsstats.host): the guest's
# /proc/self/mountstats before and after a known load (200 stats without
# attribute cache, so 200 GETATTRs or more, and 4 MiB read after the page
# cache was dropped) are printed between SNAPSHOT lines for
# tests/kernel-lab/nfsiostat-check.sh, which holds amd's figures for them
# against nfs-utils' mountstats. Here: amq --mount-stats shows the mount's
# health and response times, from the counters and from the probes, and
# a server stopped (SIGSTOP, through the host's control port) is seen to
# hang by the probes, then up again once it continues.
. /guest-lib.sh
net_up
opts='vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,soft,timeo=50,retrans=1,noac,lookupcache=none'
AMD_GLOBAL='nfs_stats_interval = 1' start_amd <<MAP
/defaults type:=nfs;rhost:=10.0.2.2;opts:=$opts
stats rfs:=$EXPORT/alice
MAP
check stats-mounted test "$(cat /home/stats/file)" = "alice over nfs"
cat /proc/self/mountstats > /tmp/s1
i=0
while [ $i -lt 200 ]; do
  stat /home/stats/file > /dev/null
  i=$((i + 1))
done
echo 3 > /proc/sys/vm/drop_caches
check stats-read test "$(wc -c < /home/stats/big)" = 4194304
cat /home/stats/big > /dev/null
sleep 1
cat /proc/self/mountstats > /tmp/s2
for n in 1 2; do
  echo "SNAPSHOT-BEGIN $n"
  cat /tmp/s$n
  echo "SNAPSHOT-END $n"
done
# amd's own view: after two readings the metadata estimates and the
# probes' RTT are there, and the health is up.
check amq-nfs-row wait_for 20 sh -c "amq --mount-stats | grep -qE '^/home/stats +10\.0\.2\.2:[^ ]+ +up +[0-9]+\.[0-9]{3} '"
check amq-nfs-probe wait_for 20 sh -c "amq --json --mount-stats | grep -qE '\"probe_usec\": [0-9]+'"
check amq-nfs-read-cost sh -c "amq --json --mount-stats | grep -qE '\"read_usec_per_kib\": [0-9]+'"
check probe-getattr-of-root sh -c "! grep -q 'probed with NFS NULL calls only' /tmp/amd.log"
check amq-nfs-json sh -c "amq --json --mount-stats | grep -q '\"mount_point\": \"/home/stats\"'"
amq --mount-stats
# A server that hangs: the kernel's counters stand still, the probes
# notice. How long that takes is printed (the guest's clock).
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
check server-stopped sh -c 'echo stop | nc 10.0.2.2 9999 | grep -q ok'
check hung-server-detected wait_for 10 sh -c "amq --mount-stats | grep -qE '^/home/stats .* (probing|down) '"
echo "hung server: health no longer up after $(($(ms) - t0)) ms"
amq --mount-stats | tail -1
check server-continued sh -c 'echo cont | nc 10.0.2.2 9999 | grep -q ok'
t0=$(ms)
check server-back-up wait_for 20 sh -c "amq --mount-stats | grep -qE '^/home/stats .* up '"
echo "server back: health up after $(($(ms) - t0)) ms"
check amq-original-listing-unchanged sh -c "amq -m | grep -q '^10.0.2.2:' && ! amq -m | grep -q Health"
stop_amd
