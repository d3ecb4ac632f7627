#!/bin/sh
# nfs-server.sh DIR PATH...: an NFS server for a network-lab host. Run it
# in the host under `unshare -m -p -f --kill-child --mount-proc`, so it has
# a /run of its own and everything it starts dies with it: rpcbind, and
# nfs-ganesha exporting each PATH read-only over NFSv3 (NFS on 2049, MOUNT
# on 20048), registered with that rpcbind. Its files (configuration, log)
# go in DIR. It runs until killed.
set -eu
dir=$1
shift
mount -t tmpfs tmpfs /run
conf=$dir/ganesha.conf
{
  printf 'NFS_CORE_PARAM { Protocols = 3; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; Enable_RQUOTA = false; }\n'
  id=1
  for path in "$@"; do
    printf 'EXPORT { Export_Id = %d; Path = %s; Pseudo = %s; Access_Type = RO; Squash = No_Root_Squash;\n' "$id" "$path" "$path"
    printf '  Protocols = 3; Transports = TCP, UDP; SecType = sys; FSAL { Name = VFS; } }\n'
    id=$((id + 1))
  done
  printf 'LOG { Default_Log_Level = WARN; }\n'
} > "$conf"
/sbin/rpcbind -f &
for _ in $(seq 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
exec /usr/bin/ganesha.nfsd -F -f "$conf" -L "$dir/ganesha.log" -p /run/ganesha.pid
