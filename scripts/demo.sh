#!/usr/bin/env bash
# The main job: installs what is needed, builds amd, and runs it on the
# shipped example configuration (conf/examples/amd.conf), which uses only
# local directories, so no NFS server is needed. This build checks the
# configuration and explains how paths resolve; the daemon comes next.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
amd=build/amd/amd
conf=conf/examples/amd.conf
echo "== amd -F $conf --print-config (first lines)"
"$amd" -F "$conf" --print-config | head -12
for path in /demo/docs /demo/libs /demo/alice /demo/proj/web /projects/beta; do
  echo
  echo "== amd -F $conf --explain $path"
  "$amd" -F "$conf" --explain "$path" || true
done
echo
echo "== amd -F $conf --explain /demo/libs --json"
"$amd" -F "$conf" --explain /demo/libs --json
