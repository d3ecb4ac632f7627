#!/usr/bin/env bash
# The kernel lab: boots Debian's stock kernel under QEMU (TCG) with an
# initramfs holding busybox, the kernel modules amd's tests need, amd's own
# binaries and one scenario script, and turns what the guest prints into a
# pass/fail report within a time bound. This machine's kernel has no NFS
# client; the lab's has.
#
#   tests/kernel-lab/lab.sh [--add SRC=DEST] [--env FILE]... SCENARIO BINARY...
#   (the options may stand anywhere among the arguments)
#
# SCENARIO is a shell script run as the guest's /scenario with the helpers
# of guest-lib.sh; each BINARY (with the shared libraries it needs, its
# debugging sections stripped) is put in the guest's /bin, and is also
# found there at its own absolute path, so a test that names a binary of
# the build tree runs as it does here. $LAB_BINARIES in the guest lists the
# BINARY arguments. --add copies a file or a directory SRC into the guest
# at DEST; --env adds FILE's lines (VAR=value) to the guest's /lab.env.
# The guest reaches this host's loopback at 10.0.2.2 (QEMU user
# networking).
#
# When SCENARIO.host (scenarios/nfs.host for scenarios/nfs.sh) exists, the
# lab runs in private mount and network namespaces of its own (root
# needed), with only loopback up and an empty /run, and sources it there
# before the boot: it starts the servers the guest talks to (adding their
# pids to lab_pids, which the lab stops when it ends, however it ends) and
# may write variables for the guest to $lab_env.
#
# The kernel package (apt-get download) and its unpacked tree are cached
# in $AMD_LAB_CACHE (default /var/cache/amd-kernel-lab), one version at a
# time, so a rerun costs only the initramfs (about a second) and the boot.
# The boot is bounded by $AMD_LAB_TIMEOUT seconds (default 300); the guest
# has $AMD_LAB_MEMORY MiB (default 1024). A
# scenario that starts with "# lab-without: MODULE..." boots without those
# modules loaded (they are in /lib/modules for it to insmod).
#
# What it prints: the guest's LAB lines and a summary; with
# AMD_LAB_VERBOSE=scenario, all that the scenario printed; with any other
# AMD_LAB_VERBOSE, the whole console. AMD_LAB_CONSOLE=FILE keeps the
# console there. Prints "AMD-SKIP: reason" and exits 0 where the lab cannot
# run (no QEMU, no kernel package to fetch).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
adds=() envs=() add_args=() args=()
while (($#)); do
  if [[ $1 == --add || $1 == --env ]]; then
    [[ $1 == --add ]] && adds+=("$2") || envs+=("$2")
    add_args+=("$1" "$2")
    shift 2
  else
    args+=("$1")
    shift
  fi
done
set -- "${args[@]}"
scenario=$1
shift
cache=${AMD_LAB_CACHE:-/var/cache/amd-kernel-lab}
limit=${AMD_LAB_TIMEOUT:-300}
modules=(sunrpc lockd grace nfs_acl nfs nfsv3 autofs4 fuse e1000 loop crc32c_generic ext4 overlay tcp_diag udp_diag)

skip() { echo "AMD-SKIP: $*"; exit 0; }
host_setup=${scenario%.sh}.host
if [[ -e $host_setup && -z ${AMD_LAB_NAMESPACE:-} ]]; then
  [[ $(id -u) -eq 0 ]] || skip "$(basename "$host_setup") needs root (private namespaces)"
  unshare -m -n --propagation private true 2>/dev/null || skip "cannot create mount and network namespaces"
  exec unshare -m -n --propagation private env AMD_LAB_NAMESPACE=1 bash -c \
    'ip link set lo up && mount -t tmpfs amd-lab-run /run && exec "$0" "$@"' "$0" "${add_args[@]}" "$scenario" "$@"
fi
for tool in qemu-system-x86_64 busybox cpio apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh)"
done

# The kernel: Debian's current stock image, fetched and unpacked once per
# package version. Several labs may start at once (ctest -j) on a cold
# cache: one of them fetches and unpacks, under a lock, into a temporary
# directory renamed into place when whole; the others wait on the lock.
# Older versions are removed. Every step is bounded in time.
mkdir -p "$cache"
pkg=$(timeout 60 apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $pkg ]] || skip "apt-cache knows no linux-image-amd64 (no Debian package lists)"
ver=$(timeout 60 apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
[[ -n $ver && $ver != "(none)" ]] || skip "apt-cache has no candidate version of $pkg"
key=${pkg}_${ver}
unpacked=$cache/$key
if [[ ! -e $unpacked/.done ]]; then
  exec {lock_fd}> "$cache/.lock"
  timeout 600 flock "$lock_fd" || { echo "kernel-lab: waited 600 s for $cache/.lock" >&2; exit 1; }
  if [[ ! -e $unpacked/.done ]]; then
    deb=$(ls "$cache/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
    if [[ -z $deb ]]; then
      (cd "$cache" && timeout 300 apt-get download "$pkg=$ver" >/dev/null 2>&1) || skip "cannot download $pkg $ver"
      deb=$(ls "$cache/${pkg}_"*.deb | head -1)
    fi
    tmp=$(mktemp -d "$cache/.unpack-XXXXXX")
    timeout 300 dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; echo "kernel-lab: cannot unpack $deb" >&2; exit 1; }
    touch "$tmp/.done"
    rm -rf "$unpacked"
    mv "$tmp" "$unpacked"
    # Only this version is kept: older packages and trees, and what an
    # interrupted unpack left behind.
    for old in "$cache"/* "$cache"/.unpack-*; do
      [[ -e $old && $old != "$unpacked" && $old != "$deb" ]] && rm -rf "$old"
    done
  fi
  exec {lock_fd}>&-
fi
kver=$(ls "$unpacked/lib/modules")
moddir=$unpacked/lib/modules/$kver
vmlinuz=$unpacked/boot/vmlinuz-$kver
echo "kernel-lab: kernel $pkg $ver"

# Modules in load order: each after what it depends on (from .modinfo).
declare -A path_of seen
while IFS= read -r f; do path_of[$(basename "$f" .ko)]=$f; done < <(find "$moddir" -name '*.ko')
order=()
visit() {
  local m=${1//-/_}
  [[ -n ${seen[$m]:-} ]] && return
  seen[$m]=1
  local f=${path_of[$m]:-}
  if [[ -z $f ]]; then
    grep -q "/$m.ko\$" "$moddir/modules.builtin" && return  # built in
    echo "kernel-lab: module $m not in $pkg" >&2
    exit 1
  fi
  local deps
  deps=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | head -1)
  local d
  for d in ${deps//,/ }; do visit "$d"; done
  order+=("$m")
}
for m in "${modules[@]}"; do visit "$m"; done

# The initramfs, built afresh (it holds this build's binaries).
work=$(mktemp -d /tmp/amd-kernel-lab-XXXXXX)
lab_pids=()
stop_host() {
  local p
  for p in "${lab_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${lab_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_host EXIT
root=$work/root
lab_dir=$work/host
lab_env=$work/lab.env
mkdir -p "$lab_dir"
: > "$lab_env"
if [[ -e $host_setup ]]; then
  # shellcheck source=/dev/null
  . "$host_setup"
fi
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,mnt,lib/modules,usr/bin,usr/sbin}
cp /bin/busybox "$root/bin/busybox"
# A scenario that says "# lab-without: MODULE..." boots without those
# modules loaded; they are still in /lib/modules for it to insmod.
without=" $(sed -n 's/^# lab-without: //p' "$scenario") "
for m in "${order[@]}"; do
  cp "${path_of[$m]}" "$root/lib/modules/$m.ko"
  [[ $without == *" $m "* ]] || echo "$m"
done > "$root/lib/modules/order"
# copy_with_libs FILE: FILE in /bin, at its own path too, with the shared
# libraries it needs; ELF files lose their debugging sections on the way.
copy_with_libs() {
  local name dest lib
  name=$(basename "$1")
  dest=$root/bin/$name
  strip --strip-debug -o "$dest" "$1" 2>/dev/null || cp "$1" "$dest"
  if [[ $1 == /* && $(dirname "$1") != /bin ]]; then
    mkdir -p "$root$(dirname "$1")"
    [[ -e $root$1 ]] || ln -s "/bin/$name" "$root$1"
  fi
  ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
lab_binaries=()
for b in "$@"; do
  [[ $b == /* ]] || b=$PWD/$b
  copy_with_libs "$b"
  lab_binaries+=("$b")
done
echo "LAB_BINARIES=\"${lab_binaries[*]}\"" >> "$lab_env"
for e in "${envs[@]}"; do cat "$e" >> "$lab_env"; done
for a in "${adds[@]}"; do
  mkdir -p "$root$(dirname "${a#*=}")"
  cp -a "${a%%=*}" "$root${a#*=}"
done
cp "$here/guest-lib.sh" "$root/guest-lib.sh"
cp "$lab_env" "$root/lab.env"
cp "$scenario" "$root/scenario"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
chmod 1777 /tmp  # the initramfs is writable; a tmpfs here would hide build trees under /tmp
echo "127.0.0.1 localhost" > /etc/hosts
for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m.ko || echo "LAB: FAIL insmod $m"
done
echo "LAB-BEGIN"
sh /scenario
echo "LAB-DONE"
poweroff -f
INIT
chmod +x "$root/init" "$root/scenario"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"

# The boot, bounded in time; the guest's console is the report.
start=$(date +%s)
status=0
timeout --kill-after=10 "$limit" qemu-system-x86_64 -nographic -no-reboot -m "${AMD_LAB_MEMORY:-1024}" -smp 2 \
  -kernel "$vmlinuz" -initrd "$work/initrd" \
  -append "console=ttyS0 panic=-1 loglevel=3" \
  -netdev user,id=n0 -device e1000,netdev=n0 < /dev/null > "$work/console" 2>&1 || status=$?
took=$(( $(date +%s) - start ))
tr -d '\r' < "$work/console" > "$work/console.txt"
[[ -z ${AMD_LAB_CONSOLE:-} ]] || cp "$work/console.txt" "$AMD_LAB_CONSOLE"
case ${AMD_LAB_VERBOSE:-} in
  "") grep -E '^LAB' "$work/console.txt" || true ;;
  scenario) sed -n '/LAB-BEGIN$/,/^LAB-DONE/p' "$work/console.txt" | sed '1d;$d' ;;
  *) cat "$work/console.txt" ;;
esac
passed=$(grep -c '^LAB: PASS' "$work/console.txt" || true)
failed=$(grep -c '^LAB: FAIL' "$work/console.txt" || true)
if [[ $status -eq 124 || $status -eq 137 ]]; then
  echo "kernel-lab: $(basename "$scenario"): timed out after ${limit}s ($pkg)"
  tail -40 "$work/console.txt"
  exit 1
fi
if ! grep -q '^LAB-DONE' "$work/console.txt" || ((failed > 0 || passed == 0)); then
  echo "kernel-lab: $(basename "$scenario"): $passed passed, $failed failed, in ${took}s ($pkg); console:"
  tail -60 "$work/console.txt"
  exit 1
fi
echo "kernel-lab: $(basename "$scenario"): $passed passed, 0 failed, in ${took}s ($pkg)"
