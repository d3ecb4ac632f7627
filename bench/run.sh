#!/usr/bin/env bash
# One command for the benchmark: installs Linux autofs 5.1.8 from Debian
# (without starting its service), builds amd and the benchmark, and runs
# amd, autofs, the floor and bare mount(2) side by side in one run, in a
# private mount namespace. Extra arguments go to autofs_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if ! dpkg-query -W -f='${Status}' autofs 2>/dev/null | grep -q "install ok installed"; then
  # Keep the package's service from starting on this machine.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends autofs || true
  rm -f /usr/sbin/policy-rc.d
  # The benchmark runs automount itself; the service stays off.
  systemctl disable autofs >/dev/null 2>&1 ||
    rm -f /etc/systemd/system/multi-user.target.wants/autofs.service
fi
bash scripts/build.sh build-rel -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
exec unshare -m --propagation private build-rel/bench/autofs_bench "$PWD/build-rel/amd/amd" "$@"
