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
# amd_conf [LINE]: /etc/amd.conf for amd on /home with the map amd.home
# (and LINE in its section), unmount_on_exit, log in /tmp/amd.log, and
# $AMD_GLOBAL's lines in [ global ].
amd_conf() {
  cat > /etc/amd.conf <<CONF
[ global ]
search_path = /etc/amd
plock = no
unmount_on_exit = yes
log_file = /tmp/amd.log
${AMD_GLOBAL:-}
[ /home ]
map_name = amd.home
${1:-}
CONF
}
# start_amd: amd on /home with the map amd.home read from standard input;
# unmount_on_exit, log in /tmp/amd.log, and $AMD_GLOBAL's lines in
# [ global ]. Checks that /home is served.
start_amd() {
  mkdir -p /etc/amd /home
  cat > /etc/amd/amd.home
  amd_conf
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
# start_classic_amd: amd with /home on the classic NFS front end
# (mount_type = nfs, auto_dir /n) and the map amd.home as it is;
# $AMD_GLOBAL's lines in [ global ]. Checks that /home is served.
start_classic_amd() {
  AMD_GLOBAL="auto_dir = /n
${AMD_GLOBAL:-}" amd_conf "mount_type = nfs"
  amd -F /etc/amd.conf
  check classic-ready wait_for 30 grep -q ' /home nfs .*addr=127.0.0.1' /proc/mounts
}
# ms: the guest's clock in milliseconds.
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

# For the servers of scenarios/kfailover.host (kfailover*.sh):
# lab_ctl COMMAND...: a command to the host's control port, true on "ok".
lab_ctl() { [ "$(echo "$*" | nc 10.0.2.2 9999)" = ok ]; }
# start_kernel_volume NAME:NFS_PORT:MOUNT_PORT...: amd (start_amd) with
# /home/dist the volume /dist on the kernel's NFS client from those
# servers in that order (hard mounts), and a policy with a 2 s
# unmount_grace and no return to the preferred replica.
start_kernel_volume() {
  local o=ro,vers=3,proto=tcp,mountproto=tcp,nolock r n p
  mkdir -p /etc/amd
  printf 'defaults:\n  unmount_grace: 2s\n  return_dwell: 1h\n' > /etc/amd/failover.yaml
  {
    printf 'dist -type:=nfs;rhost:=10.0.2.2;volume:=/dist;datapath:=kernel'
    for r in "$@"; do
      n=${r%%:*}
      p=${r#*:}
      printf ' \\\n  rfs:=%s/%s;opts:=%s,port=%s,mountport=%s' "$VOL" "$n" "$o" "${p%%:*}" "${p#*:}"
    done
    echo
  } | start_amd
}
# serving NAME: the volume's mount at /home/dist is NAME's.
serving() { grep " /home/dist nfs " /proc/mounts | grep -q "$VOL/$1 "; }
# replica_state NAME STATE: amq --replicas shows NAME in STATE.
replica_state() { amq --replicas | grep -qE "^  [* ]10\.0\.2\.2:$VOL/$1 +$2 "; }
