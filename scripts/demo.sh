#!/usr/bin/env bash
# The main job: installs what is needed, builds amd, and runs the daemon on
# the shipped example configuration (conf/examples/amd.conf). The example
# maps use only local directories (bind mounts, links, a tmpfs program
# mount, a sub-map), so no NFS server is needed.
#
# amd runs in private mount and network namespaces, with a tmpfs over /srv
# holding the demo data and an empty /run, so the demo mounts for real
# without touching this machine's mount table or services; it accesses a few
# automounted paths, shows what got mounted and what amq says, and stops amd
# (which unmounts everything).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
amd=$PWD/build/amd/amd
conf=conf/examples/amd.conf

echo "== amd --explain /demo/alice (how a path resolves, no daemon needed)"
"$amd" -F "$conf" --explain /demo/alice | tail -3
echo
exec unshare -m -n --propagation private bash -euo pipefail -c '
amd=$1; conf=$2; amq=$3
ip link set lo up
mount -t tmpfs amd-run /run
mount -t tmpfs amd-demo /srv
mkdir -p /srv/amd-demo/data /srv/amd-demo/users/alice /srv/amd-demo/users/bob \
         /srv/amd-demo/projects/alpha /srv/amd-demo/projects/beta /srv/amd-demo/projects/web
echo "shared data" > /srv/amd-demo/data/README
echo "hello from alice" > /srv/amd-demo/users/alice/hello
echo "project alpha" > /srv/amd-demo/projects/alpha/README
echo "web project" > /srv/amd-demo/projects/web/index.html
"$amd" -F "$conf" -l /dev/stderr --foreground 2> /tmp/amd-demo.log &
pid=$!
for i in $(seq 100); do grep -q " /projects " /proc/self/mountinfo && break; sleep 0.1; done
show() { echo "\$ $*"; "$@" 2>&1 | head -5 || true; }
echo "== the daemon on $conf (pid $pid)"
show cat /demo/alice/hello          # wildcard key: bind mount of /srv/amd-demo/users/alice
show cat /demo/data/README          # lofs
show ls -d /demo/docs/bash          # link to /usr/share/doc
show ls -d /demo/libs               # selectors: arch==x86_64 picks the multiarch directory
show sh -c "df -h /demo/scratch | tail -1"   # program mount: a tmpfs made by mount(8)
show cat /demo/proj/web/index.html  # type:=auto sub-map with pref
show cat /projects/alpha/README     # the second automount point (cache:=inc)
show ls /demo/nosuchuser            # no such directory: ENOENT
echo
echo "== mounts amd made"
grep -E " /(demo|projects)" /proc/self/mountinfo | cut -d" " -f5,9,10 | sed "s/^/  /"
echo
echo "== what amq says (no rpcbind here: amq finds amd through /run/amd/amq-300019)"
show() { echo "\$ $*"; "$@" 2>&1 || true; }
show "$amq"                # the mount tree
show "$amq" -m             # mounted file systems
show "$amq" -s             # statistics
show "$amq" -i             # maps
show "$amq" --mount-stats  # per mount: when, how long mounting took, requests
kill -TERM $pid; wait $pid || true
echo
echo "== after SIGTERM: $(grep -cE " /(demo|projects)" /proc/self/mountinfo || true) mounts left"
echo "== amd log"
sed "s/^/  /" /tmp/amd-demo.log
' demo "$amd" "$conf" "$PWD/build/amq/amq"
