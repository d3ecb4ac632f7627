#!/usr/bin/env bash
# The FUSE relay against nfs-ganesha replicas in the network lab
# (bench/relay_bench.cc): throughput beside nfs-cat, stat of 10,000 files
# beside libnfs, the stalls of 20 kills and 20 stops of the serving
# replica, and the time to leave a replica made 5x slower (tc tbf), 5
# times. Builds (Release) and runs as root in a private mount namespace.
# Extra arguments go to relay_bench (--rounds N, --mib M, --slow-rounds S).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
exec unshare -m --propagation private build-rel/bench/relay_bench build-rel/relay/amd-relay \
  "$PWD/tests/netlab/nfs-server.sh" build-rel/bench/libnfs_stat "$@"
