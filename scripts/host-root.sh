#!/usr/bin/env bash
# Makes (once) and prints the path of a Debian root holding another Kamailio host, for building
# and testing the module against it, under target/hosts/<host>. Commands run in it through
# scripts/in-root.sh (same paths, same loopback). Two kinds of host:
#   a Debian suite (trixie: Kamailio 6.0; forky: 6.1.5): Debian's kamailio, its Lua modules (the
#     KEMI tests), sipp and valgrind (make bench), from Debian's archive (mmdebstrap, as root);
#   upstream-X.Y (upstream-6.1): Kamailio built from the newest vendored upstream tarball of that
#     line (scripts/host-source.sh), installed at Debian's paths into a bookworm root with sipp,
#     Lua and valgrind, so every test runs it exactly as it runs a Debian host.
# With `clean` (Debian suites only): a root with Debian's kamailio alone,
# target/hosts/<suite>-clean, that the package test copies and installs our package into.
#   host-root.sh HOST [clean]     e.g. trixie, upstream-6.1
set -euo pipefail
host=${1:?usage: host-root.sh HOST [clean]}
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=$host source=
case $host in
  upstream-*) suite=bookworm source=${host#upstream-}
    [ "${2:-}" != clean ] || { echo "host-root: $host has no Debian package to test" >&2; exit 1; } ;;
esac
if [ "${2:-}" = clean ]; then
  root="$repo/target/hosts/$host-clean"
  packages=kamailio
elif [ -n "$source" ]; then
  root="$repo/target/hosts/$host"
  # The runtime libraries of what host-source.sh builds (app_lua, kamcmd), /etc/protocols
  # (the core looks TCP up by name), the peers.
  packages=liblua5.1-0,libreadline8,netbase,sip-tester,valgrind
else
  root="$repo/target/hosts/$host"
  packages=kamailio,kamailio-lua-modules,sip-tester,valgrind
fi
stamp=$packages${source:+ $("$repo/scripts/host-source.sh" "$source" --id)}
if [ "$(cat "$root/.sl-rs-packages" 2>/dev/null)" = "$stamp" ]; then
  echo "$root"; exit 0
fi
[ "$(id -u)" = 0 ] || { echo "host-root: making a Debian root needs root (mmdebstrap)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
rm -rf "$root" "$root.new"
mkdir -p "$(dirname "$root")"
echo "host-root: making a $suite root with $packages (mmdebstrap)" >&2
# The archive serves testing's index (forky) past its Valid-Until date; apt in the root needs
# the same option to fetch from it later (the source package).
mmdebstrap --quiet --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' \
  --include="$packages" "$suite" "$root.new" >&2 || {
  rm -rf "$root.new"; echo "host-root: could not make a $suite root with $packages" >&2; exit 1; }
if [ -n "$source" ]; then
  "$repo/scripts/host-source.sh" "$source" "$root.new" >&2
  # Every library what was built links against is in the root.
  missing=$("$repo/scripts/in-root.sh" "$root.new" sh -c \
    'ldd /usr/sbin/kamailio /usr/sbin/kamcmd /usr/lib/x86_64-linux-gnu/kamailio/modules/*.so' | grep 'not found' | sort -u || true)
  [ -z "$missing" ] || { echo "host-root: libraries missing in the $host root: $missing" >&2; exit 1; }
fi
echo "$stamp" > "$root.new/.sl-rs-packages"
mv "$root.new" "$root"
echo "$root"
