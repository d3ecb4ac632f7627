# The demo itself, in POSIX sh so that it runs both here (scripts/demo.sh,
# in private mount and network namespaces) and in the kernel lab's guest
# (tests/kernel-lab/scenarios/demo.sh, busybox's sh):
#
#   sh scripts/demo-run.sh AMD CONF AMQ
#
# It puts the demo data on a tmpfs over /srv and an empty tmpfs on /run,
# starts amd on CONF, accesses a few automounted paths, shows what got
# mounted and what amq says, and stops amd (which unmounts everything).
# Exits 0 only when every access did what the demo says it does; amd's log
# is shown either way.
set -u
amd=$1 conf=$2 amq=$3
log=/tmp/amd-demo.log
ip link set lo up
mount -t tmpfs amd-run /run
mount -t tmpfs amd-demo /srv
mkdir -p /srv/amd-demo/data /srv/amd-demo/users/alice /srv/amd-demo/users/bob \
         /srv/amd-demo/projects/alpha /srv/amd-demo/projects/beta /srv/amd-demo/projects/web
echo "shared data" > /srv/amd-demo/data/README
echo "hello from alice" > /srv/amd-demo/users/alice/hello
echo "project alpha" > /srv/amd-demo/projects/alpha/README
echo "web project" > /srv/amd-demo/projects/web/index.html
"$amd" -F "$conf" -l /dev/stderr --foreground 2> "$log" &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q " /projects " /proc/self/mountinfo; do sleep 0.1; i=$((i + 1)); done
failed=0
# expect ok|fails COMMAND...: runs COMMAND, shows its first lines, and
# counts it as failed when it did not succeed (ok) or did not fail (fails).
expect() {
  want=$1
  shift
  echo "\$ $*"
  if out=$("$@" 2>&1); then got=ok; else got=fails; fi
  printf '%s\n' "$out" | head -5
  if [ "$got" != "$want" ]; then
    echo "  (demo: this was expected to $( [ "$want" = ok ] && echo work || echo fail ))"
    failed=$((failed + 1))
  fi
}
echo "== the daemon on $conf (pid $pid)"
expect ok cat /demo/alice/hello            # wildcard key: bind mount of /srv/amd-demo/users/alice
expect ok cat /demo/data/README            # lofs
expect ok ls -d /demo/docs/bash            # link to /usr/share/doc
expect ok ls -d /demo/libs                 # selectors: arch==x86_64 picks the multiarch directory
expect ok sh -c "df -h /demo/scratch | tail -1"   # program mount: a tmpfs made by mount(8)
expect ok cat /demo/proj/web/index.html    # type:=auto sub-map with pref
expect ok cat /projects/alpha/README       # the second automount point (cache:=inc)
expect fails ls /demo/nosuchuser           # no such directory: ENOENT
echo
echo "== mounts amd made"
grep -E " /(demo|projects)" /proc/self/mountinfo | cut -d" " -f5,9,10 | sed "s/^/  /"
echo
echo "== what amq says (no rpcbind here: amq finds amd through /run/amd/amq-300019)"
show() { echo "\$ $*"; "$@" 2>&1 || failed=$((failed + 1)); }
show "$amq"                # the mount tree
show "$amq" -m             # mounted file systems
show "$amq" -s             # statistics
show "$amq" -i             # maps
show "$amq" --mount-stats  # per mount: when, how long mounting took, requests
kill -TERM $pid
wait $pid
left=$(grep -cE " /(demo|projects)" /proc/self/mountinfo)
echo
echo "== after SIGTERM: $left mounts left"
[ "$left" = 0 ] || failed=$((failed + 1))
echo "== amd log"
sed "s/^/  /" "$log"
if [ $failed -gt 0 ]; then
  echo "demo: $failed steps did not do what they should (amd's log is above)"
  exit 1
fi
echo "demo: every step worked"
