#!/bin/sh
# Runs one privileged test in private mount and network namespaces of its
# own, so the mounts it makes vanish with it, even when the test dies, and it
# neither sees nor disturbs this machine's services: only loopback is up, and
# /run is an empty tmpfs (no host rpcbind socket, no host amd port file).
# Test listing (Catch's discovery) runs as is. Without root, or where the
# namespaces cannot be made, the test reports itself skipped (CTest matches
# "AMD-SKIP:").
for a in "$@"; do
  case "$a" in --list-test-names-only|--list-tests|--list-reporters) exec "$@" ;; esac
done
if [ "$(id -u)" != 0 ]; then echo "AMD-SKIP: needs root (real mounts)"; exit 0; fi
if ! unshare -m -n --propagation private true 2>/dev/null; then
  echo "AMD-SKIP: cannot create mount and network namespaces here"; exit 0
fi
exec unshare -m -n --propagation private sh -c '
  ip link set lo up || exit 1
  mount -t tmpfs -o mode=0755 amd-test-run /run || exit 1
  exec "$@"' run-in-namespace "$@"
