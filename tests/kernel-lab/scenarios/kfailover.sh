# A replicated volume on the kernel's NFS client (datapath:=kernel), from
# three nfs-ganesha servers on the host (scenarios/kfailover.host): vola
# and volb identical, volold an older revision. Hard mounts: without amd a
# reader of a dead server waits for ever.
#  - amq lists the replicas with the kernel data path; amq --switch puts
#    the other replica's mount at the key while a file opened before reads
#    on from the old one; the older revision is refused; after the
#    policy's unmount_grace the old mount goes.
#  - kill -9 of the serving server: new accesses under the key work
#    through another replica within 2 s; a reader blocked on the dead one
#    gets EIO once the grace is over, and the old mount is gone.
#  - SIGSTOP of the serving server (a hung one, seen by the probes): the
#    same.
#  - The classic front end: kill -9 of the serving server; the key's link
#    leads to the new replica within 2 s.
# The times are printed (the guest's clock, from the signal's sending).
. /guest-lib.sh
net_up
start_kernel_volume vola:2101:2102 volold:2121:2122 volb:2111:2112
check kernel-read test "$(cat /home/dist/sub/file)" = "replicated file"
check kernel-nfs-mount serving vola
check amq-replicas-kernel sh -c "amq --replicas --json | grep -q '\"datapath\":\"kernel\"'"
check amq-replicas-listed sh -c "amq --replicas | grep -q '/home/dist: volume /dist from 10.0.2.2:$VOL/vola'"
check replicas-probed wait_for 10 replica_state volb up

# A switch by amq, under an open file.
exec 3< /home/dist/big
check amq-switch-kernel sh -c "amq --switch /home/dist --to 10.0.2.2:$VOL/volb | grep -q 'switched to 10.0.2.2:$VOL/volb'"
check new-replica-at-key serving volb
check read-after-switch test "$(cat /home/dist/sub/file)" = "replicated file"
check open-file-reads-on test "$(head -c 5 <&3)" = "rrrrr"
check older-refused sh -c "! amq --switch /home/dist --to 10.0.2.2:$VOL/volold 2>/tmp/refused"
check older-refused-why grep -q 'older than 7' /tmp/refused
check still-volb serving volb
exec 3<&-
check old-mount-gone wait_for 10 sh -c "! grep -q '$VOL/vola ' /proc/mounts"

# failover SERVER SIGNAL TO N: SIGNAL ("kill" or "stop") to the serving
# SERVER with a reader of it blocked (a file opened before, caches
# dropped); new accesses must work through TO within 2 s, the blocked
# reader must end with EIO after the grace, and the old mount go.
failover() {
  local server=$1 how=$2 to=$3 n=$4 t0 t1 t2 t3
  exec 4< /home/dist/big
  echo 3 > /proc/sys/vm/drop_caches
  t0=$(ms)
  check "$how-sent" lab_ctl "$how" "$server"
  (cat <&4 > /dev/null 2> /tmp/blocked.err; echo $? > /tmp/blocked.rc) &
  exec 4<&-
  check "$how-switched" wait_for 10 serving "$to"
  t1=$(ms)
  check "$how-new-lookup" test "$(cat /home/dist/sub/f$n)" = "file $n"
  t2=$(ms)
  echo "LAB-TIME $how: the key on $to after $((t1 - t0)) ms, a new file read after $((t2 - t0)) ms"
  check "$how-new-access-within-2s" test $((t2 - t0)) -le 2000
  check "$how-blocked-reader-ends" wait_for 20 test -s /tmp/blocked.rc
  t3=$(ms)
  # Linux 6.1 ends calls a forced unmount kills with ERESTARTSYS (512),
  # which reaches the reader as such: "Unknown error 512".
  check "$how-blocked-reader-error" sh -c '[ "$(cat /tmp/blocked.rc)" != 0 ] && grep -qE "read error: (I/O error|Unknown error 512)" /tmp/blocked.err'
  echo "LAB-TIME $how: the blocked reader ended after $((t3 - t0)) ms: status $(cat /tmp/blocked.rc), $(cat /tmp/blocked.err)"
  check "$how-old-mount-gone" wait_for 10 sh -c "! grep -q '$VOL/$server ' /proc/mounts"
  rm -f /tmp/blocked.rc /tmp/blocked.err
  grep -E "switching|force" /tmp/amd.log | tail -2
}

# vola is back in use first (a switch by amq), volb serving: kill it.
check switch-back sh -c "amq --switch /home/dist --to 10.0.2.2:$VOL/vola | grep -q 'switched to'"
check switch-back-old-gone wait_for 10 sh -c "! grep -q '$VOL/volb ' /proc/mounts"
failover vola kill volb 1
# volb back from the dead; then vola hangs.
check restarted lab_ctl start vola
check restarted-seen-up wait_for 10 replica_state vola up
failover volb stop vola 2
check continued lab_ctl cont volb
check continued-seen-up wait_for 10 replica_state volb up
amq --replicas
check amq-history sh -c "amq --replicas | grep -q 'down'"
stop_amd

# The classic front end (mount_type = nfs): the key is a link to the
# volume's mount under auto_dir; a switch swaps the mount there, so the
# link leads to the new replica. kill -9 of the serving server.
start_classic_amd
check classic-read test "$(cat /home/dist/sub/file)" = "replicated file"
fs=$(readlink /home/dist)
check classic-link-into-auto-dir sh -c "echo '$fs' | grep -q '^/n/'"
at_fs() { grep " $fs nfs " /proc/mounts | grep -q "$VOL/$1 "; }
check classic-on-vola at_fs vola
t0=$(ms)
check classic-kill-sent lab_ctl kill vola
check classic-switched wait_for 10 at_fs volb
check classic-new-lookup test "$(cat /home/dist/sub/f5)" = "file 5"
t1=$(ms)
echo "LAB-TIME classic kill: a new file read through the link after $((t1 - t0)) ms"
check classic-new-access-within-2s test $((t1 - t0)) -le 2000
check classic-link-unchanged test "$(readlink /home/dist)" = "$fs"
check classic-old-mount-gone wait_for 10 sh -c "! grep -q '^10.0.2.2:$VOL/vola ' /proc/mounts"
lab_ctl start vola
stop_amd
