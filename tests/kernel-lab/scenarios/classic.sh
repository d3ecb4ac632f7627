# The classic NFS front end (mount_type = nfs) with the real Linux NFS
# client: amd mounts its own NFSv3 server on /home, a first access to a key
# mounts it under /n and resolves through the symbolic link amd answers
# with, ls lists the browsable map, an idle key expires. Then kill -9 of
# every amd process and `amd -r` while a process holds a working directory
# and an open file inside a mount: it keeps working, and so does /home.
. /guest-lib.sh
net_up
mkdir -p /srv/data/alice /srv/data/bob /etc/amd /home
echo "alice's file" > /srv/data/alice/file
echo "bob's file" > /srv/data/bob/file
cat > /etc/amd/amd.home <<'MAP'
/defaults type:=lofs;opts:=unmount
alice     rfs:=/srv/data/alice
bob       rfs:=/srv/data/bob
docs      type:=link;fs:=/srv/data
proj      type:=auto;fs:=${map};pref:=${key}/
proj/*    rfs:=/srv/data/${/key}
*         rfs:=/srv/data/${key}
MAP
cat > /etc/amd.conf <<'CONF'
[ global ]
search_path = /etc/amd
auto_dir = /n
plock = no
cache_duration = 3
log_file = /tmp/amd.log
[ /home ]
map_name = amd.home
mount_type = nfs
browsable_dirs = yes
CONF
amd -F /etc/amd.conf
check classic-mounted wait_for 30 grep -q ' /home nfs .*addr=127.0.0.1' /proc/mounts
check classic-browsable test "$(ls /home | tr '\n' ' ')" = "alice bob docs proj "
check classic-first-access test "$(cat /home/alice/file)" = "alice's file"
check classic-symlink-into-n sh -c 'readlink /home/alice | grep -q "^/n/"'
check classic-mounted-under-n sh -c 'grep -q " /n/[^ ]*/srv/data/alice " /proc/mounts'
check classic-link-key test "$(cat /home/docs/bob/file)" = "bob's file"
check classic-unknown-key sh -c '! ls /home/nobody 2>/dev/null'
check classic-amq sh -c 'amq | grep -q "^/home/alice  *lofs"'
check classic-expiry wait_for 30 sh -c '! grep -q " /n/[^ ]*/srv/data/alice " /proc/mounts'
check classic-again-after-expiry test "$(cat /home/alice/file)" = "alice's file"

# A process with its working directory and an open file in bob's mount.
(cd /home/bob && exec 3< file && sleep 6 && cat <&3 > /tmp/held.out && ls > /tmp/held.ls) &
held=$!
# And one with its working directory in a sub-map directory (type:=auto),
# which only amd's NFS server holds: the new amd must set it up again
# when the kernel names it by its old handle.
(cd /home/proj && cat alice/file > /dev/null && sleep 6 && cat alice/file > /tmp/sub.out) &
subheld=$!
sleep 1
port=$(grep -o 'MOUNTv3 on 127.0.0.1:[0-9]*' /tmp/amd.log | tail -1 | cut -d: -f2)
killall -9 amd
sleep 0.5
check classic-killed sh -c '! pidof amd >/dev/null'
amd -r -F /etc/amd.conf
check classic-restarted wait_for 30 grep -q "taking over amd's NFS mount" /tmp/amd.log
check classic-same-port sh -c "grep -o 'MOUNTv3 on 127.0.0.1:[0-9]*' /tmp/amd.log | tail -1 | grep -q ':$port\$'"
check classic-old-mount-answers test "$(cat /home/alice/file)" = "alice's file"
check classic-bob-after-restart test "$(cat /home/bob/file)" = "bob's file"
check classic-bob-taken-over test "$(grep -c ' /n/[^ ]*/srv/data/bob ' /proc/mounts)" = 1
check classic-pawd test "$(cd /home/alice && pawd)" = /home/alice
wait $held
wait "$subheld"
check classic-submap-cwd-after-restart test "$(cat /tmp/sub.out)" = "alice's file"
check classic-held-file-read test "$(cat /tmp/held.out)" = "bob's file"
check classic-held-cwd-listed test "$(cat /tmp/held.ls)" = "file"
kill -TERM "$(amq -p)"
check classic-unmounted-on-exit wait_for 30 sh -c '! grep -q " /home nfs " /proc/mounts'
grep -E "error|warning" /tmp/amd.log | head -8
