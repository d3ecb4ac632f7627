#!/usr/bin/env bash
# The NFS front end's benchmark: installs what it needs (nfs-ganesha and
# rpcbind held, without their services), builds amd and nfs_bench, and
# runs LOOKUP + READLINK round trips against amd's classic NFS front end
# and against nfs-ganesha side by side, in private mount and network
# namespaces. Extra arguments go to nfs_bench (--keys N --threads T
# --seconds S).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-deps.sh --held rpcbind nfs-ganesha nfs-ganesha-vfs
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
exec unshare -m -n --propagation private build-rel/bench/nfs_bench "$PWD/build-rel/amd/amd" "$@"
