#!/usr/bin/env bash
# Prints the C defines a module must be compiled with to match the installed kamailio binary:
# the source tree's own `make printcdefs`, plus what Debian's build adds (-DKSR_PTHREAD_MUTEX_SHARED,
# which shows as TLS_PTHREAD_MUTEX_SHARED in the flags string). Then proves the match with the
# host's own module loader (below).
# With ROOT (a Debian root from host-root.sh), the kamailio installed there; KAMAILIO_BIN, a
# kamailio binary off the PATH (one built from source).
#   host-cdefs.sh KAMAILIO_SOURCE_TREE [ROOT]
set -euo pipefail
src=${1:?usage: host-cdefs.sh KAMAILIO_SOURCE_TREE [ROOT]}
root=${2:-}
if [ -n "$root" ]; then
  kamailio=("$(dirname "$0")/in-root.sh" "$root" kamailio)
else
  # KAMAILIO_BIN: a Kamailio built from source and installed off the PATH.
  kamailio=("${KAMAILIO_BIN:-$(command -v kamailio || echo /usr/sbin/kamailio)}")
  [ -x "${kamailio[0]}" ] || { echo "host-cdefs: no kamailio binary (run: make deps)" >&2; exit 1; }
fi
host_v=$("${kamailio[@]}" -V)

cdefs=$(make -s -C "$src/src" printcdefs 2>/dev/null | tail -n 1)
want_flags=$(sed -n 's/^flags: //p' <<<"$host_v")
case "$want_flags" in
  *TLS_PTHREAD_MUTEX_SHARED*) cdefs="$cdefs -DKSR_PTHREAD_MUTEX_SHARED" ;;
esac

# The proof is the host's own loader: a probe module compiled with these defines, loaded by
# `kamailio -c`, which compares its module_version and module_flags with the strings the core
# was built with. (`kamailio -V` is no oracle for the flags: on 6.1 its line lists the
# DBG_*_MALLOC flags that only the core's allocator files see, and the loader compares without.)
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
cat > "$probe_dir/probe.c" <<'C'
#include "core/sr_module.h"
MODULE_VERSION
struct module_exports exports = {.name = "sl_rs_probe", .dlflags = DEFAULT_DLFLAGS};
C
printf 'loadmodule "%s/probe.so"\nrequest_route { drop; }\n' "$probe_dir" > "$probe_dir/probe.cfg"
# The defines carry C string literals (-DNAME="kamailio", -DCOMPILER="gcc 12.2.0"): protect the
# double quotes with single quotes so the shell splits the words but keeps the literals.
eval "args=($(sed "s/\"[^\"]*\"/'&'/g" <<<"$cdefs"))"
cc -pthread -shared -fPIC "${args[@]}" -DMOD_NAME='"sl_rs_probe"' -I"$src/src" \
  -o "$probe_dir/probe.so" "$probe_dir/probe.c"
if ! log=$("${kamailio[@]}" -c -f "$probe_dir/probe.cfg" 2>&1); then
  {
    echo "host-cdefs: a module built with the defines of $src does not load in ${kamailio[*]}:"
    grep -m1 -E 'mismatch|ERROR' <<<"$log" || tail -n 3 <<<"$log"
    echo "Point KAMAILIO_SRC at the source of the installed version."
  } >&2
  exit 1
fi
echo "$cdefs"
