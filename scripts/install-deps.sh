#!/usr/bin/env bash
# Installs every Debian 12 package amd needs to build, test and run.
# Idempotent: packages already present are left alone. Needs root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config          # build
  catch2                                    # unit tests (Catch2 v2)
  clang libclang-rt-14-dev                  # libFuzzer targets
  nlohmann-json3-dev                        # amd --explain --json
  libboost-dev libspdlog-dev                # the daemon: Asio, logging
  libtirpc-dev rpcsvc-proto                 # rpc/: XDR primitives, rpcgen
  util-linux e2fsprogs iproute2             # tests: unshare, losetup, mkfs.ext4, ip
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
