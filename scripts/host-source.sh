#!/usr/bin/env bash
# Kamailio built from upstream source: the newest vendored tarball of a release line
# ($SL_RS_VENDOR, default ../shared/vendor beside the repo: kamailio-X.Y.Z.tar.gz and its
# .sha256), checked, unpacked and built once into target/hosts/upstream-X.Y-src/, then installed
# into ROOT at Debian's paths (/usr/sbin, /usr/lib/x86_64-linux-gnu/kamailio/modules,
# /etc/kamailio), as host-root.sh asks. The tree stays: it is the source the module is built
# against (fetch-kamailio-src.sh reads its path from ROOT/.sl-rs-source), configured as the host
# was, so `make printcdefs` there gives the host's own defines.
#   host-source.sh LINE ROOT     e.g. 6.1 target/hosts/upstream-6.1.new
#   host-source.sh LINE --id     prints the tarball's version and checksum (host-root's stamp)
set -euo pipefail
line=${1:?usage: host-source.sh LINE ROOT|--id}
dest=${2:?usage: host-source.sh LINE ROOT|--id}
repo=$(cd "$(dirname "$0")/.." && pwd)
vendor=${SL_RS_VENDOR:-$repo/../shared/vendor}
tarball=$(ls "$vendor"/kamailio-"$line".*.tar.gz 2>/dev/null | sort -V | tail -n1) || true
[ -n "$tarball" ] || {
  echo "host-source: no kamailio-$line.*.tar.gz in $vendor (set SL_RS_VENDOR to the folder holding it)" >&2
  exit 1; }
version=$(basename "$tarball" .tar.gz); version=${version#kamailio-}
sum=$(cut -d' ' -f1 "$tarball.sha256")
if [ "$dest" = --id ]; then echo "kamailio-$version $sum"; exit 0; fi
(cd "$(dirname "$tarball")" && sha256sum --quiet -c "$tarball.sha256") || {
  echo "host-source: $tarball does not match its checksum" >&2; exit 1; }

build="$repo/target/hosts/upstream-$line-src"
tree="$build/kamailio-$version"
# Debian's layout, so the tests, the configs and the package paths are the same on every host.
cfg=(PREFIX=/usr LIBDIR=lib/x86_64-linux-gnu cfg_target=/etc/kamailio/ include_modules=app_lua)
if [ "$(cat "$tree/.sl-rs-built" 2>/dev/null)" != "$sum" ]; then
  need=()
  for tool in bison flex pkg-config make gcc; do command -v $tool >/dev/null || need+=("$tool"); done
  pkg-config --exists lua5.1 2>/dev/null || need+=(liblua5.1-0-dev)
  if [ ${#need[@]} -gt 0 ]; then
    echo "host-source: installing ${need[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  rm -rf "$build"; mkdir -p "$build"
  tar -xzf "$tarball" -C "$build"
  start=$SECONDS
  echo "host-source: building Kamailio $version (log: $build/build.log)" >&2
  (cd "$tree" && make cfg "${cfg[@]}" && make -j"$(nproc)" all) >"$build/build.log" 2>&1 || {
    tail -n 20 "$build/build.log" >&2; echo "host-source: building Kamailio $version failed" >&2; exit 1; }
  echo "$sum" > "$tree/.sl-rs-built"
  echo "host-source: Kamailio $version built in $((SECONDS - start)) s" >&2
fi
(cd "$tree" && make install basedir="$dest" cfg_prefix="$dest") >"$build/install.log" 2>&1 || {
  tail -n 20 "$build/install.log" >&2; echo "host-source: installing Kamailio $version into $dest failed" >&2; exit 1; }
echo "$tree" > "$dest/.sl-rs-source"
