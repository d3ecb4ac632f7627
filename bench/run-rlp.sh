#!/usr/bin/env bash
# RLP's round trip and load in the network lab (bench/rlp_bench.cc):
# builds rlpd, rlpq, rlp_blast and rlp_bench (Release) and runs them as
# root. Extra arguments go to rlp_bench (--queries N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
exec build-rel/bench/rlp_bench build-rel/rlp/rlpd build-rel/rlp/rlpq build-rel/tests/netlab/rlp_blast "$@"
