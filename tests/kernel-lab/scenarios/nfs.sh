# amd's nfs mount type with the real Linux NFS client, against nfs-ganesha
# on the host (scenarios/nfs.host): a subdirectory of the export, the whole
# export with sublink, and a first location whose server does not answer
# (the next one is tried).
. /guest-lib.sh
net_up
opts='vers=3,proto=tcp,port=2049,mountport=20048,mountproto=tcp,nolock,soft,timeo=50,retrans=1'
start_amd <<MAP
/defaults type:=nfs;rhost:=10.0.2.2;opts:=$opts
alice     rfs:=$EXPORT/alice
dead      opts:=vers=3,proto=tcp,port=2050,mountport=20050,mountproto=tcp,nolock,soft,timeo=10,retrans=1;rfs:=$EXPORT/bob rfs:=$EXPORT/bob
*         rfs:=$EXPORT;sublink:=\${key}
MAP
check nfs-subdirectory test "$(cat /home/alice/file)" = "alice over nfs"
check nfs-mount-options sh -c "grep ' nfs ' /proc/mounts | grep -q 'vers=3.*addr=10.0.2.2'"
check nfs-sublink test "$(cat /home/bob/file)" = "bob over nfs"
check nfs-dead-server-then-next test "$(cat /home/dead/file)" = "bob over nfs"
check dead-server-logged grep -q 'dead: nfs' /tmp/amd.log
check amq-nfs sh -c 'amq -m | grep -q "^10.0.2.2:"'
stop_amd
