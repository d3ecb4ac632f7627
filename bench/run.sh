#!/usr/bin/env bash
# One command for the benchmark: installs Linux autofs 5.1.8 from Debian
# (without starting its service), builds amd and the benchmark, and runs
# amd, autofs, the floor and bare mount(2) side by side in one run, in a
# private mount namespace. Extra arguments go to autofs_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-deps.sh --held autofs  # the benchmark runs automount itself
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
exec unshare -m --propagation private build-rel/bench/autofs_bench "$PWD/build-rel/amd/amd" "$@"
