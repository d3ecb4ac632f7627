# scripts/demo.sh's demo (scripts/demo-run.sh) in the guest: the same
# accesses, real mounts of this kernel's autofs, and amq's listings. The
# guest has the demo's configuration at /conf (its search_path is relative:
# conf/examples/maps, from /), and the directories its link keys name.
. /guest-lib.sh
cd /
mkdir -p /usr/share/doc/bash /usr/lib/x86_64-linux-gnu /srv
export PATH="/bin:/sbin:$PATH"
set -- $LAB_BINARIES
if sh /demo-run.sh "$1" conf/examples/amd.conf "$2"; then
  echo "LAB: PASS demo"
else
  echo "LAB: FAIL demo"
fi
