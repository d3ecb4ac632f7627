# A replicated volume (volume:=) mounted by amd through the autofs front
# end in place, served by amd-relay over FUSE from nfs-ganesha on the host
# (scenarios/relay.host: two identical exports and an older revision): amq
# lists it, --replicas shows its relay, --switch moves it (never to the
# older revision); kill -9 of amd leaves it readable and the next amd
# adopts it; SIGHUP has the relay read its policy file again; amq -u and
# SIGTERM take it down and end the relay. Then the same volume through the
# classic front end: under auto_dir with amd's link, expired when idle.
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
# SIGHUP: amd has its relays read the policy file again; a malformed one is
# named with its line and column, and the policy in force is kept.
printf 'defaults:\n  switch_ratio: fast\n' > /etc/amd/failover.yaml
kill -HUP "$(amq -p)"
check hup-bad-policy-named wait_for 10 grep -q 'not read again: /etc/amd/failover.yaml:2:17' /tmp/amd.log
check hup-bad-policy-still-reads test "$(cat /home/dist/sub/file)" = "replicated file"
printf 'defaults:\n  switch_ratio: 3\n' > /etc/amd/failover.yaml
kill -HUP "$(amq -p)"
check hup-policy-read-again wait_for 10 grep -q '/home/dist: policy read again from /etc/amd/failover.yaml' /tmp/amd.log
rm /etc/amd/failover.yaml
# amq -u unmounts it and ends its relay; the next access mounts it anew.
check amq-unmount amq -u /home/dist
check unmounted wait_for 10 sh -c '! grep -q " /home/dist " /proc/mounts'
check relay-ended-on-unmount wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"
check remounted test "$(cat /home/dist/sub/file)" = "replicated file"
relay_pid=$(relay_pid_now)
check new-relay test -n "$relay_pid"
stop_amd
check relay-ended-on-sigterm wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"

# The classic front end (mount_type = nfs): the replicated key is mounted
# under auto_dir and /home/dist is amd's link to it; it expires when idle,
# which ends its relay, and SIGTERM ends the one mounted again.
AMD_GLOBAL='cache_duration = 3' start_classic_amd
check classic-relay-read test "$(cat /home/dist/sub/file)" = "replicated file"
check classic-relay-link sh -c 'readlink /home/dist | grep -q "^/n/"'
check classic-relay-under-autodir sh -c 'grep -q " /n/[^ ]* fuse.amd-relay " /proc/mounts'
check classic-amq-replicas sh -c "amq --replicas | grep -q 'volume /dist from 10.0.2.2:$VOL/vola'"
relay_pid=$(relay_pid_now)
check classic-relay-running test -n "$relay_pid"
check classic-relay-expires wait_for 40 sh -c '! grep -q " fuse.amd-relay " /proc/mounts'
check classic-relay-ended-on-expiry wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"
check classic-relay-again test "$(cat /home/dist/big | wc -c)" = 3000000
exec 5< /home/dist/big  # busy: it does not expire again before it is seen
relay_pid=$(relay_pid_now)
check classic-new-relay test -n "$relay_pid"
exec 5<&-
stop_amd
check classic-relay-ended-on-sigterm wait_for 10 sh -c "! kill -0 $relay_pid 2>/dev/null"
