#!/usr/bin/env bash
# The build variables of one Kamailio host, as `export` lines the Makefile's recipes eval:
# SL_RS_HOST_ROOT (its Debian root, host-root.sh; empty for the machine's own Kamailio),
# KAMAILIO_SRC (its source tree: given, or fetch-kamailio-src.sh) and KAMAILIO_CDEFS (its
# defines, host-cdefs.sh, proved against its `kamailio -V`). What cannot be had stops it with a
# line saying why: a module is never built against another host's headers.
#   host-env.sh HOST CACHE_DIR [KAMAILIO_SRC]     (HOST empty: the machine's own Kamailio)
set -euo pipefail
host=${1-} cache=${2:?usage: host-env.sh HOST CACHE_DIR [KAMAILIO_SRC]} src=${3-}
here=$(cd "$(dirname "$0")" && pwd)
root=
if [ -n "$host" ]; then
  root=$("$here/host-root.sh" "$host") || exit 1
fi
# Each script says in its own line why it stops.
[ -n "$src" ] || src=$("$here/fetch-kamailio-src.sh" "$cache" $root) || exit 1
cdefs=$("$here/host-cdefs.sh" "$src" $root) || exit 1
printf 'export SL_RS_HOST_ROOT=%q KAMAILIO_SRC=%q KAMAILIO_CDEFS=%q\n' "$root" "$src" "$cdefs"
