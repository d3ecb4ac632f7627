# A replicated volume on the kernel's NFS client (datapath:=kernel), from
# the servers of scenarios/kfailover.host (vola and volb identical).
#  - No flapping: with both replicas equal and a reader busy on the volume
#    for $SECONDS_EQUAL s, amd switches at most once.
#  - A slow replica: every reply of the serving one held back four times
#    its probes' RTT (5x slower): amd leaves it within 15 s, saying why.
. /guest-lib.sh
net_up
SECONDS_EQUAL=${SECONDS_EQUAL:-60}
switches() { amq --replicas | sed -n 's/.* \([0-9]*\) switches$/\1/p'; }
probe_ms() {
  amq --replicas --json | tr '{' '\n' | grep "/$1\"" | sed -n 's/.*"probe_ms":\([0-9.]*\).*/\1/p'
}
start_kernel_volume vola:2101:2102 volb:2111:2112
check kernel-read test "$(cat /home/dist/sub/file)" = "replicated file"
check on-vola serving vola
check replicas-probed wait_for 10 replica_state volb up

# Equal replicas, a busy reader.
(
  end=$(($(ms) + SECONDS_EQUAL * 1000))
  while [ "$(ms)" -lt $end ]; do
    echo 3 > /proc/sys/vm/drop_caches
    cat /home/dist/big /home/dist/sub/* > /dev/null
    ls -l /home/dist/sub > /dev/null
  done
) &
reader=$!
before=$(switches)
wait $reader
after=$(switches)
echo "LAB-TIME equal: $((after - before)) switches in $SECONDS_EQUAL s with a busy reader"
check no-flapping test $((after - before)) -le 1
amq --replicas

# 5x slower: the serving replica's replies held back 4x its RTT.
cur=vola other=volb
serving volb && cur=volb other=vola
rtt=$(probe_ms $cur)
delay=$(awk -v r="$rtt" 'BEGIN { printf "%.1f", 4 * r }')
echo "LAB-TIME slow: $cur answers probes in $rtt ms, $other in $(probe_ms $other) ms; $cur's replies now held back $delay ms"
t0=$(ms)
check slow-sent lab_ctl delay $cur "$delay"
(
  while ! serving $other; do cat /home/dist/sub/f1 > /dev/null; sleep 0.2; done
) &
check slow-left wait_for 30 serving $other
t1=$(ms)
echo "LAB-TIME slow: left $cur after $((t1 - t0)) ms"
check slow-left-within-15s test $((t1 - t0)) -le 15000
check slow-why sh -c "amq --replicas | grep -E ' -> .*$other: ' | tail -1 | grep -q slow"
amq --replicas
check slow-reads-on test "$(cat /home/dist/sub/f3)" = "file 3"
lab_ctl delay $cur 0
stop_amd
