# Helpers for kernel-lab scenarios (sourced in the guest), and what the
# scenario's host side wrote down for it (/lab.env).
. /lab.env
# check NAME COMMAND...: one line "LAB: PASS NAME" or "LAB: FAIL NAME".
check() {
  local name=$1
  shift
  if "$@"; then echo "LAB: PASS $name"; else echo "LAB: FAIL $name"; fi
}
# wait_for SECONDS COMMAND...: true once COMMAND succeeds, within SECONDS.
wait_for() {
  local n=$(($1 * 10))
  shift
  while [ $n -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}
net_up() {
  ip link set lo up
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
}
# start_amd: amd on /home with the map amd.home read from standard input;
# unmount_on_exit, log in /tmp/amd.log, and $AMD_GLOBAL's lines in
# [ global ]. Checks that /home is served.
start_amd() {
  mkdir -p /etc/amd /home
  cat > /etc/amd/amd.home
  cat > /etc/amd.conf <<CONF
[ global ]
search_path = /etc/amd
plock = no
unmount_on_exit = yes
log_file = /tmp/amd.log
${AMD_GLOBAL:-}
[ /home ]
map_name = amd.home
CONF
  amd -F /etc/amd.conf
  check amd-ready wait_for 30 grep -q ' /home autofs ' /proc/mounts
}
# stop_amd: SIGTERM to amd (its pid from amq); checks that every mount of
# it is gone.
stop_amd() {
  kill -TERM "$(amq -p)"
  check unmounted-on-exit wait_for 60 sh -c '! grep -qE " /home| nfs " /proc/mounts'
  grep -E 'error|warning' /tmp/amd.log | head -8
}
