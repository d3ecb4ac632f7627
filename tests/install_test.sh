#!/bin/sh
# cmake --install into a scratch DESTDIR: the files an admin expects are
# there, and a second install keeps an amd.conf the admin edited.
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" --prefix /usr > /dev/null
for f in usr/sbin/amd usr/sbin/amq usr/bin/pawd usr/share/man/man8/amd.8 usr/share/man/man8/amq.8 usr/share/man/man1/pawd.1 usr/share/man/man5/amd.conf.5 \
         usr/share/man/man5/amd-maps.5 lib/systemd/system/amd.service etc/amd.conf \
         usr/share/doc/amd/examples/amd.conf usr/share/doc/amd/examples/maps/amd.demo \
         usr/sbin/amd-relay usr/share/man/man8/amd-relay.8 usr/share/man/man5/amd-failover.yaml.5 usr/sbin/rlpd usr/bin/rlpq usr/share/man/man8/rlpd.8 usr/share/man/man1/rlpq.1 lib/systemd/system/rlpd.service \
         usr/share/doc/amd/examples/rlpd.yaml; do
  [ -e "$dest/$f" ] || [ -e "$dest/usr/$f" ] || { echo "missing: $f"; exit 1; }
done
[ -d "$dest/etc/amd" ] || { echo "missing: etc/amd/"; exit 1; }
echo "# edited by the admin" >> "$dest/etc/amd.conf"
DESTDIR=$dest cmake --install "$build" --prefix /usr > /dev/null
grep -q "edited by the admin" "$dest/etc/amd.conf" || { echo "amd.conf was replaced"; exit 1; }
"$dest/usr/sbin/amd" -F "$dest/etc/amd.conf" --print-config > /dev/null
# The example rlpd.yaml is valid.
"$dest/usr/sbin/rlpd" -c "$dest/usr/share/doc/amd/examples/rlpd.yaml" --check > /dev/null 2>&1 ||
  { echo "the example rlpd.yaml is refused"; exit 1; }
echo "install ok"
