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
  root=$("$here/host-root.sh" "$host") || { echo "host-env: host $host cannot be had here" >&2; exit 1; }
fi
if [ -z "$src" ]; then
  src=$("$here/fetch-kamailio-src.sh" "$cache" $root) || {
    echo "host-env: no Kamailio source for host ${host:-of this machine}: the module is not built (KAMAILIO_SRC=<tree of that version> builds it from another tree)" >&2
    exit 1; }
fi
cdefs=$("$here/host-cdefs.sh" "$src" $root) || exit 1
printf 'export SL_RS_HOST_ROOT=%q KAMAILIO_SRC=%q KAMAILIO_CDEFS=%q\n' "$root" "$src" "$cdefs"
