# A replicated volume (volume:=) mounted by amd through the autofs front
# end in place, served by amd-relay over FUSE from nfs-ganesha on the host
# (scenarios/relay.host: two identical exports and an older revision): amq
# lists it, --replicas shows its relay, --switch moves it (never to the
# older revision); kill -9 of amd leaves it readable and the next amd
# adopts it; amq -u and SIGTERM take it down and end the relay.
. /guest-lib.sh
# The pid of the relay of /dist, if one runs.
relay_pid_now() {
  for p in /proc/[0-9]*; do
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q '^amd-relay --volume /dist' && echo "${p#/proc/}"
  done
}
net_up
grep -q fuse /proc/filesystems || { echo "AMD-SKIP: the lab kernel has no FUSE"; exit 0; }
start_amd <<MAP
dist  -type:=nfs;rhost:=10.0.2.2;volume:=/dist;opts:=ro \
      rfs:=$VOL/vola rfs:=$VOL/volold rfs:=$VOL/volb
MAP
check relay-read test "$(cat /home/dist/sub/file)" = "replicated file"
check relay-big test "$(wc -c < /home/dist/big)" = 3000000
check relay-fuse-mount grep -q ' /home/dist fuse.amd-relay ' /proc/mounts
check relay-read-only sh -c '! touch /home/dist/new 2>/dev/null'
check amq-lists-relay sh -c 'amq -m | grep -q "/home/dist"'
check amq-replicas sh -c "amq --replicas | grep -q '/home/dist: volume /dist from 10.0.2.2:$VOL/vola'"
check amq-replicas-json sh -c 'amq --replicas --json /home/dist | grep -q "\"mountpoint\":\"/home/dist\""'
check amq-switch-named sh -c "amq --switch /home/dist --to 10.0.2.2:$VOL/volb | grep -q 'switched to 10.0.2.2:$VOL/volb'"
check read-after-switch test "$(cat /home/dist/sub/file)" = "replicated file"
check amq-switch-older-refused sh -c "! amq --switch /home/dist --to 10.0.2.2:$VOL/volold 2>/tmp/refused"
check older-refused-why grep -q 'older than 7' /tmp/refused
# kill -9: the relay outlives amd, the volume stays readable, and the next
# amd adopts the mount.
relay_pid=$(relay_pid_now)
check relay-running test -n "$relay_pid"
kill -9 "$(amq -p)" "$(cat /run/amd/owner)"
sleep 1
check readable-after-kill test "$(cat /home/dist/sub/file)" = "replicated file"
check relay-outlives-amd kill -0 "$relay_pid"
amd -F /etc/amd.conf
check amd-restarted wait_for 30 sh -c 'amq -m | grep -q "/home/dist"'
check relay-adopted-readable test "$(cat /home/dist/big | wc -c)" = 3000000
# amq -u unmounts it and ends its relay; the next access mounts it anew.
check amq-unmount amq -u /home/dist
check unmounted wait_for 10 sh -c '! grep -q " /home/dist " /proc/mounts'
check relay-ended-on-unmount wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"
check remounted test "$(cat /home/dist/sub/file)" = "replicated file"
relay_pid=$(relay_pid_now)
check new-relay test -n "$relay_pid"
stop_amd
check relay-ended-on-sigterm wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"
