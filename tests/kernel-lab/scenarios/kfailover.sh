# A replicated volume on the kernel's NFS client (datapath:=kernel), from
# nfs-ganesha on the host (scenarios/kfailover.host: two identical exports
# and an older revision): amq lists its replicas with the kernel data
# path; amq --switch puts the other replica's mount at the key while a
# file opened before reads on from the old one; the older revision is
# refused; after the policy's unmount_grace the old mount goes.
. /guest-lib.sh
net_up
mkdir -p /etc/amd
cat > /etc/amd/failover.yaml <<YAML
defaults:
  unmount_grace: 2s
YAML
start_amd <<MAP
dist  -type:=nfs;rhost:=10.0.2.2;volume:=/dist;datapath:=kernel;opts:=ro,vers=3,proto=tcp,nolock,soft,timeo=50,retrans=1 \
      rfs:=$VOL/vola rfs:=$VOL/volold rfs:=$VOL/volb
MAP
check kernel-read test "$(cat /home/dist/sub/file)" = "replicated file"
check kernel-nfs-mount sh -c "grep ' /home/dist nfs ' /proc/mounts | grep -q '$VOL/vola'"
check amq-replicas-kernel sh -c "amq --replicas --json | grep -q '\"datapath\":\"kernel\"'"
check amq-replicas-listed sh -c "amq --replicas | grep -q '/home/dist: volume /dist from 10.0.2.2:$VOL/vola'"
exec 3< /home/dist/big
check amq-switch-kernel sh -c "amq --switch /home/dist --to 10.0.2.2:$VOL/volb | grep -q 'switched to 10.0.2.2:$VOL/volb'"
check new-replica-at-key sh -c "grep ' /home/dist nfs ' /proc/mounts | grep -q '$VOL/volb'"
check read-after-switch test "$(cat /home/dist/sub/file)" = "replicated file"
check open-file-reads-on test "$(head -c 5 <&3)" = "rrrrr"
check older-refused sh -c "! amq --switch /home/dist --to 10.0.2.2:$VOL/volold 2>/tmp/refused"
check older-refused-why grep -q 'older than 7' /tmp/refused
check still-volb sh -c "grep ' /home/dist nfs ' /proc/mounts | grep -q '$VOL/volb'"
exec 3<&-
check old-mount-gone wait_for 10 sh -c "! grep -q '$VOL/vola' /proc/mounts"
grep -E 'switch|old replica' /tmp/amd.log | head -6
stop_amd
