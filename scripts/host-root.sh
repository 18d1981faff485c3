#!/usr/bin/env bash
# Makes (once) and prints the path of a Debian root holding another Kamailio host, for building
# and testing the module against it: target/hosts/<suite> with kamailio, its Lua modules (the
# KEMI tests) and sipp, from Debian's archive (mmdebstrap, as root). Commands run in it through
# scripts/in-root.sh. With `clean`: a root with Debian's kamailio alone, target/hosts/<suite>-clean,
# that the package test copies and installs our package into.
#   host-root.sh SUITE [clean]     e.g. trixie (Kamailio 6.0), bookworm (5.6)
set -euo pipefail
suite=${1:?usage: host-root.sh SUITE [clean]}
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "${2:-}" = clean ]; then
  root="$repo/target/hosts/$suite-clean"
  packages=kamailio
else
  root="$repo/target/hosts/$suite"
  packages=kamailio,kamailio-lua-modules,sip-tester
fi
if [ "$(cat "$root/.sl-rs-packages" 2>/dev/null)" = "$packages" ]; then
  echo "$root"; exit 0
fi
[ "$(id -u)" = 0 ] || { echo "host-root: making a Debian root needs root (mmdebstrap)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
rm -rf "$root" "$root.new"
mkdir -p "$(dirname "$root")"
echo "host-root: making a $suite root with $packages (mmdebstrap)" >&2
mmdebstrap --quiet --variant=apt --include="$packages" "$suite" "$root.new" >&2
echo "$packages" > "$root.new/.sl-rs-packages"
mv "$root.new" "$root"
echo "$root"
