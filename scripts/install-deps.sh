#!/usr/bin/env bash
# Installs every Debian 12 package amd needs to build, test and run.
# Idempotent: packages already present are left alone. Needs root.
#
#   install-deps.sh                  what amd needs, and the test tools
#   install-deps.sh --held PKG...    only PKG..., packages with a service of
#                                    their own (rpcbind, autofs), which stays
#                                    off: not started now, not enabled at
#                                    boot. The tests and benchmarks run
#                                    private copies of these daemons.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [[ ${1:-} == --held ]]; then
  shift
  for p in "$@"; do
    installed "$p" && continue  # the admin's own: left as it is
    if [[ $(id -u) -ne 0 ]]; then
      echo "install-deps: run as root to install: $p" >&2
      exit 1
    fi
    policy=/usr/sbin/policy-rc.d
    ours=false
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy"
      chmod +x "$policy"
      ours=true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p"
    }
    $ours && rm -f "$policy"
    for unit in $(dpkg -L "$p" | grep -E '/systemd/system/[^/]+\.(service|socket)$' | xargs -rn1 basename); do
      systemctl disable "$unit" >/dev/null 2>&1 || true
      rm -f /etc/systemd/system/*.wants/"$unit"
    done
  done
  exit 0
fi

packages=(
  g++ cmake ninja-build pkg-config          # build
  catch2                                    # unit tests (Catch2 v2)
  clang libclang-rt-14-dev                  # libFuzzer targets
  clang-format                              # scripts/check-rules.sh
  nlohmann-json3-dev                        # amd --explain --json
  libyaml-cpp-dev                           # rlpd: /etc/rlpd.yaml
  libboost-dev libspdlog-dev                # the daemon: Asio, logging
  libtirpc-dev rpcsvc-proto                 # rpc/: XDR primitives, rpcgen
  util-linux e2fsprogs iproute2             # tests: unshare, losetup, mkfs.ext4, ip
  qemu-system-x86 busybox-static cpio       # tests: the kernel lab (tests/kernel-lab/)
  libnfs-utils libnfs-dev                   # tests: nfs-ls and libnfs, independent NFS clients
  libfuse3-dev                              # amd-relay: the FUSE relay of replicated volumes
)

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
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

# Servers the tests run private copies of: rpcbind (amd registers AMQ with
# it), nfs-ganesha (the kernel lab's NFS server); libnfs's tools are an
# independent NFS client; nfs-common's mountstats (nfs-utils' nfsiostat)
# is what amd's NFS figures are held against (kernel_lab.nfsstats).
bash "$0" --held rpcbind nfs-ganesha nfs-ganesha-vfs nfs-common
