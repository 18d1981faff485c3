#!/usr/bin/env bash
# Each host's package (target/deb/<suite>/, `make deb`): lintian-clean (errors and warnings
# fail), then installed into a fresh copy of a clean Debian root of that suite (host-root.sh
# SUITE clean), where tests/deb.rs checks it and purges it; the copy is removed after.
#   test-deb.sh      (cargo's KAMAILIO_* build variables set)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v lintian >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null; }
found=0
for dir in "$repo"/target/deb/*/; do
  suite=$(basename "$dir")
  debs=("$dir"kamailio-sl-rs_*_amd64.deb)
  [ -f "${debs[0]}" ] || continue
  found=1
  echo "test-deb: lintian ${debs[0]##*/}"
  lintian --fail-on error,warning "${debs[0]}"
  clean=$("$repo/scripts/host-root.sh" "$suite" clean)
  root="$repo/target/hosts/$suite-pkgtest"
  rm -rf "$root"
  cp -a --reflink=auto "$clean" "$root"
  version=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' kamailio)
  upstream=${version#*:}; upstream=${upstream%-*}
  case "${debs[0]}" in *+kamailio"$upstream"_amd64.deb) ;; *)
    echo "test-deb: ${debs[0]##*/} is not for the kamailio $version of a clean $suite root" >&2; exit 1 ;;
  esac
  echo "test-deb: ${debs[0]##*/} in a clean $suite root (kamailio $version)"
  SL_RS_HOST_ROOT="$root" SL_RS_DEB="${debs[0]}" cargo test --features kamailio,panic-test \
    --target-dir "$repo/target/host" --test deb -- --test-threads=1
  rm -rf "$root"
done
[ "$found" = 1 ] || { echo "test-deb: no package in target/deb (make deb)" >&2; exit 1; }
