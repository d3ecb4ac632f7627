#!/bin/sh
# Runs one privileged test in a private mount namespace of its own, so the
# mounts it makes vanish with it, even when the test dies. Test listing
# (Catch's discovery) runs as is. Without root, or where namespaces cannot be
# made, the test reports itself skipped (CTest matches "AMD-SKIP:").
for a in "$@"; do
  case "$a" in --list-test-names-only|--list-tests|--list-reporters) exec "$@" ;; esac
done
if [ "$(id -u)" != 0 ]; then echo "AMD-SKIP: needs root (real mounts)"; exit 0; fi
if ! unshare -m --propagation private true 2>/dev/null; then
  echo "AMD-SKIP: cannot create a mount namespace here"; exit 0
fi
exec unshare -m --propagation private "$@"
