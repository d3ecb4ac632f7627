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
