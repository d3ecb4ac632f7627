# A kernel without autofs and without an NFS client: amd says what is
# missing and what to do, on standard error and in its log, and exits
# non-zero; --print-config and --explain work all the same. Then with
# autofs loaded but still no NFS client: a type:=nfs location fails with
# the NFS hint in the log, the next location is used, and amd serves on.
# lab-without: autofs4 nfsv3 nfs
. /guest-lib.sh
ip link set lo up
check no-autofs sh -c '! grep -qw autofs /proc/filesystems'
check no-nfs sh -c '! grep -qw nfs /proc/filesystems'
mkdir -p /etc/amd /home /srv/alice
echo alice > /srv/alice/file
cat > /etc/amd/amd.home <<'MAP'
alice  type:=nfs;rhost:=127.0.0.1;rfs:=/export;opts:=vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,soft type:=lofs;rfs:=/srv/alice
MAP
conf() {
  cat > /etc/amd.conf <<CONF
[ global ]
search_path = /etc/amd
plock = no
log_file = /tmp/amd.log
[ /home ]
map_name = amd.home
$1
CONF
}
conf ""
amd -F /etc/amd.conf 2> /tmp/err; echo $? > /tmp/rc
cat /tmp/err
check autofs-exits-nonzero test "$(cat /tmp/rc)" != 0
check autofs-stderr-one-line test "$(grep -c . /tmp/err)" = 1
check autofs-stderr-hint grep -q 'this kernel has no autofs file system (CONFIG_AUTOFS_FS): load the autofs4 module' /tmp/err
check autofs-log-hint grep -q 'cannot start: .*this kernel has no autofs file system' /tmp/amd.log
check print-config-works sh -c 'amd -F /etc/amd.conf --print-config | grep -q "map_name = amd.home"'
check explain-works sh -c 'amd -F /etc/amd.conf --explain /home/alice | grep -q "type:=nfs"'
check nothing-left sh -c '! pidof amd'

conf "mount_type = nfs"
rm -f /tmp/amd.log
amd -F /etc/amd.conf 2> /tmp/err; echo $? > /tmp/rc
cat /tmp/err
check classic-exits-nonzero test "$(cat /tmp/rc)" != 0
check classic-stderr-hint grep -q 'this kernel has no NFS client (CONFIG_NFS_FS): load the nfs module.*mount_type = autofs' /tmp/err
check classic-log-hint grep -q 'this kernel has no NFS client' /tmp/amd.log

insmod /lib/modules/autofs4.ko
conf ""
rm -f /tmp/amd.log
cp /etc/amd/amd.home /tmp/map
start_amd < /tmp/map
check nfs-location-falls-back test "$(cat /home/alice/file)" = alice
check nfs-location-hint grep -q 'this kernel has no NFS client (CONFIG_NFS_FS): load the nfs module' /tmp/amd.log
stop_amd
