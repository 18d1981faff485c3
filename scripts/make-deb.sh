#!/usr/bin/env bash
# Builds the Debian package kamailio-sl-rs of a module built for one Kamailio host: it installs
# our sl.so where Debian's kamailio package puts its own, which dpkg-divert keeps under
# sl.so.distrib, so `loadmodule "sl.so"` in any existing config loads ours; removing the package
# brings Debian's back. It depends on the exact kamailio version the module was built for.
# Lintian-clean (scripts/test-deb.sh checks it): stripped as dh_strip strips a module, a
# changelog, a copyright notice. DEB_MAINTAINER names who packages it (default: an address under
# the reserved .invalid domain, so nothing is sent anywhere).
#   make-deb.sh MODULE OUT_DIR [ROOT]     (ROOT: the Debian root of that host, host-root.sh)
set -euo pipefail
module=${1:?usage: make-deb.sh MODULE OUT_DIR [ROOT]}
out=${2:?usage: make-deb.sh MODULE OUT_DIR [ROOT]}
root=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
kversion=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' kamailio)
upstream=${kversion#*:}; upstream=${upstream%-*}
ours=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n1)
version="$ours-1+kamailio$upstream"
# The newest glibc symbol version the module uses is the libc6 it needs.
glibc=$(objdump -T "$module" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n1)
moddir=/usr/lib/x86_64-linux-gnu/kamailio/modules
maintainer=${DEB_MAINTAINER:-sl-rs developers <sl-rs@sl-rs.invalid>}
suite=$(sed -n 's/^VERSION_CODENAME=//p' "$root/etc/os-release")
# The changelog's date: the commit's, so the same tree makes the same package.
stamp=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)
doc=/usr/share/doc/kamailio-sl-rs

pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
install -d "$pkg/DEBIAN" "$pkg$moddir" "$pkg$doc"
install -m 0644 "$module" "$pkg$moddir/sl.so"
# The release build keeps symbols for callgrind; the package ships none, as dh_strip does.
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$pkg$moddir/sl.so"
install -m 0644 "$repo/README.md" "$pkg$doc/README.md"
cat > "$pkg$doc/copyright" <<TXT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sl-rs

Files: *
Copyright: $(date -u -d "@$stamp" +%Y) sl-rs developers
License: GPL-2.0-or-later
 On Debian systems, the full text of the GNU General Public License version 2
 can be found in the file /usr/share/common-licenses/GPL-2.
TXT
cat > "$pkg/changelog" <<TXT
kamailio-sl-rs ($version) $suite; urgency=medium

  * Built for Kamailio $upstream (Debian's kamailio $kversion on $suite).

 -- $maintainer  $(date -u -R -d "@$stamp")
TXT
gzip -9n -c "$pkg/changelog" > "$pkg$doc/changelog.Debian.gz"
rm "$pkg/changelog"
chmod 0644 "$pkg$doc/changelog.Debian.gz"
cat > "$pkg/DEBIAN/control" <<TXT
Package: kamailio-sl-rs
Version: $version
Architecture: amd64
Section: net
Priority: optional
Maintainer: $maintainer
Depends: kamailio (= $kversion), libc6 (>= $glibc)
Installed-Size: $(du -k -s "$pkg" | cut -f1)
Description: Kamailio's stateless-reply module (sl), written in Rust
 A drop-in replacement of the sl module of Kamailio $upstream: the same
 functions, parameters, statistics, RPC, pseudo-variables, event routes, KEMI
 and bind_sl API, the same replies. Installing it diverts Debian's sl.so to
 sl.so.distrib, so every existing configuration loads this one; removing it
 restores Debian's.
TXT
# Divert before dpkg unpacks our sl.so over the kamailio package's.
cat > "$pkg/DEBIAN/preinst" <<TXT
#!/bin/sh
set -e
if [ "\$1" = install ] || [ "\$1" = upgrade ]; then
	dpkg-divert --package kamailio-sl-rs --add --rename \\
		--divert $moddir/sl.so.distrib $moddir/sl.so
fi
TXT
cat > "$pkg/DEBIAN/postinst" <<TXT
#!/bin/sh
set -e
# A running Kamailio keeps the module it loaded: restart it (if it runs) to load ours.
if [ "\$1" = configure ] && [ -d /run/systemd/system ]; then
	deb-systemd-invoke try-restart kamailio.service >/dev/null || true
fi
TXT
cat > "$pkg/DEBIAN/postrm" <<TXT
#!/bin/sh
set -e
case "\$1" in
	remove|abort-install|disappear)
		dpkg-divert --package kamailio-sl-rs --remove --rename \\
			--divert $moddir/sl.so.distrib $moddir/sl.so
		if [ -d /run/systemd/system ]; then
			deb-systemd-invoke try-restart kamailio.service >/dev/null || true
		fi
		;;
esac
TXT
chmod 0755 "$pkg/DEBIAN/preinst" "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
(cd "$pkg" && find usr -type f -exec md5sum {} + | sort -k2 > DEBIAN/md5sums)
mkdir -p "$out"
deb="$out/kamailio-sl-rs_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >&2
echo "$deb"
