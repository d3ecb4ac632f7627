# amd's nfs mount type with the real Linux NFS client, against nfs-ganesha
# on the host (scenarios/nfs.host): a subdirectory of the export with its
# mount options, the whole export with sublink, a first location whose
# server does not answer (the next one is tried), and nfsl both ways (a
# link when rhost is this host and fs exists, NFS otherwise), remopts for
# a server on no network of the guest's, and
# type:=host (every export the server lists through MOUNT EXPORT, found
# through rpcbind), with opts/addopts/remopts, a proto=udp location this
# kernel refuses and a MOUNT service that hangs (both followed by the
# next location).
. /guest-lib.sh
net_up
hostname labguest
mkdir -p /srv/local
echo "local copy" > /srv/local/file
opts='vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,soft,timeo=50,retrans=1'
start_amd <<MAP
/defaults type:=nfs;rhost:=10.0.2.2;opts:=$opts
alice     rfs:=$EXPORT/alice
dead      opts:=vers=3,proto=tcp,port=2050,mountport=20050,mountproto=tcp,nolock,soft,timeo=10,retrans=1;rfs:=$EXPORT/bob rfs:=$EXPORT/bob
nfsl-here type:=nfsl;rhost:=labguest;rfs:=$EXPORT/alice;fs:=/srv/local
nfsl-away type:=nfsl;rfs:=$EXPORT/alice
addopt    addopts:=rsize=8192;rfs:=$EXPORT/alice
remote    remopts:=$opts,rsize=4096;rfs:=$EXPORT/alice
far       rhost:=$FAR;remopts:=$opts,rsize=4096;rfs:=$EXPORT/alice
udp       opts:=vers=3,proto=udp,nolock,soft,timeo=10,retrans=1;rfs:=$EXPORT/alice rfs:=$EXPORT/bob
hang      opts:=vers=3,proto=tcp,port=2049,mountport=20051,mountproto=tcp,nolock,soft,timeo=10,retrans=1;rfs:=$EXPORT/alice rfs:=$EXPORT/bob
srv       type:=host;opts:=vers=3,proto=tcp,nolock,soft,timeo=50,retrans=1
*         rfs:=$EXPORT;sublink:=\${key}
MAP
check nfs-subdirectory test "$(cat /home/alice/file)" = "alice over nfs"
check nfs-mount-options sh -c "grep ' /home/alice nfs ' /proc/mounts | grep 'vers=3' | grep 'soft' | grep 'timeo=50' | grep 'retrans=1' | grep -q 'addr=10.0.2.2'"
check nfs-sublink test "$(cat /home/bob/file)" = "bob over nfs"
check nfs-dead-server-then-next test "$(cat /home/dead/file)" = "bob over nfs"
check dead-server-logged grep -q 'dead: nfs' /tmp/amd.log
check nfsl-local-link test "$(cat /home/nfsl-here/file)" = "local copy"
check nfsl-local-not-nfs sh -c "! grep ' /home/nfsl-here ' /proc/mounts | grep -q ' nfs '"
check nfsl-remote-nfs test "$(cat /home/nfsl-away/file)" = "alice over nfs"
check nfsl-remote-is-nfs grep -q ' /home/nfsl-away nfs ' /proc/mounts
check nfs-addopts-mounted test "$(cat /home/addopt/file)" = "alice over nfs"
check nfs-remopts-mounted test "$(cat /home/remote/file)" = "alice over nfs"
check nfs-addopts sh -c "grep ' /home/addopt nfs ' /proc/mounts | grep -q 'rsize=8192'"
check nfs-opts-on-local-network sh -c "grep ' /home/remote nfs ' /proc/mounts | grep -vq 'rsize=4096'"
check nfs-remote-server-mounted test "$(cat /home/far/file)" = "alice over nfs"
check nfs-remopts-off-network sh -c "grep ' /home/far nfs ' /proc/mounts | grep -q 'rsize=4096'"
check nfs-udp-fails-then-next test "$(cat /home/udp/file)" = "bob over nfs"
check nfs-udp-logged grep -q 'udp: nfs .*proto=udp: this kernel may have no NFS over UDP' /tmp/amd.log
check nfs-hanging-server-then-next test "$(cat /home/hang/file)" = "bob over nfs"
check nfs-hanging-server-logged grep -q 'hang: nfs' /tmp/amd.log
check host-first-export test "$(cat /home/srv$EXPORT/alice/file)" = "alice over nfs"
check host-second-export test "$(cat /home/srv$EXPORT2/file)" = "second export"
check host-two-nfs-mounts test "$(grep -c ' /home/srv/.* nfs ' /proc/mounts)" = 2
check amq-nfs sh -c 'amq -m | grep -q "^10.0.2.2:"'
stop_amd
