#!/usr/bin/env bash
# Installs each host's package (target/deb, `make deb`) into a fresh copy of a clean Debian root
# of that host (host-root.sh SUITE clean) and runs tests/deb.rs there; the copy is removed after.
#   test-deb.sh SUITE...     e.g. bookworm trixie (cargo's KAMAILIO_* build variables set)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
for suite in "$@"; do
  clean=$("$repo/scripts/host-root.sh" "$suite" clean)
  root="$repo/target/hosts/$suite-pkgtest"
  rm -rf "$root"
  cp -a --reflink=auto "$clean" "$root"
  version=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' kamailio)
  upstream=${version#*:}; upstream=${upstream%-*}
  debs=("$repo"/target/deb/kamailio-sl-rs_*+kamailio"${upstream}"_amd64.deb)
  [ -f "${debs[0]}" ] || { echo "test-deb: no package for kamailio $upstream in target/deb (make deb)" >&2; exit 1; }
  echo "test-deb: ${debs[0]##*/} in a clean $suite root (kamailio $version)"
  SL_RS_HOST_ROOT="$root" SL_RS_DEB="${debs[0]}" cargo test --features kamailio,panic-test \
    --target-dir "$repo/target/host" --test deb -- --test-threads=1
  rm -rf "$root"
done
