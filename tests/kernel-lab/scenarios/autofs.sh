# The lab's kernel, and amd's autofs front end on it: the modules the NFS
# scenarios need are loaded, the network is up, and amd serves a map of
# bind mounts through the kernel's autofs (this kernel's own protocol).
. /guest-lib.sh
check modules-nfs grep -qw nfs /proc/filesystems
check modules-autofs grep -qw autofs /proc/filesystems
check modules-fuse grep -qw fuse /proc/filesystems
net_up
check network sh -c 'ip addr show eth0 | grep -q 10.0.2.15'

mkdir -p /srv/users/alice /srv/users/bob
echo alice > /srv/users/alice/file
echo bob > /srv/users/bob/file
echo '* type:=lofs;rfs:=/srv/users/${key};opts:=unmount' | start_amd
check trigger-alice test "$(cat /home/alice/file)" = alice
check trigger-bob test "$(cat /home/bob/file)" = bob
check mounted grep -q ' /home/alice ' /proc/mounts
check unknown-key-fails sh -c '! ls /home/nobody 2>/dev/null'
check amq-lists sh -c 'amq | grep -q "^/home/alice  *lofs"'
stop_amd
