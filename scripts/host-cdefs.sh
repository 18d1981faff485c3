#!/usr/bin/env bash
# Prints the C defines a module must be compiled with to match the installed kamailio binary:
# the source tree's own `make printcdefs`, plus what Debian's build adds (-DKSR_PTHREAD_MUTEX_SHARED,
# which shows as TLS_PTHREAD_MUTEX_SHARED in the flags string). Then proves the match: a probe
# compiled with these defines must print exactly the `version:` and `flags:` lines of `kamailio -V`,
# which the host compares with the module's module_version/module_flags when loading it.
# With ROOT (a Debian root from host-root.sh), the kamailio installed there.
#   host-cdefs.sh KAMAILIO_SOURCE_TREE [ROOT]
set -euo pipefail
src=${1:?usage: host-cdefs.sh KAMAILIO_SOURCE_TREE [ROOT]}
root=${2:-}
if [ -n "$root" ]; then
  kamailio=("$(dirname "$0")/in-root.sh" "$root" kamailio)
else
  kamailio=("$(command -v kamailio || echo /usr/sbin/kamailio)")
  [ -x "${kamailio[0]}" ] || { echo "host-cdefs: no kamailio binary (run: make deps)" >&2; exit 1; }
fi
host_v=$("${kamailio[@]}" -V)

cdefs=$(make -s -C "$src/src" printcdefs 2>/dev/null | tail -n 1)
want_flags=$(sed -n 's/^flags: //p' <<<"$host_v")
case "$want_flags" in
  *TLS_PTHREAD_MUTEX_SHARED*) cdefs="$cdefs -DKSR_PTHREAD_MUTEX_SHARED" ;;
esac

probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
cat > "$probe_dir/probe.c" <<'C'
#include <stdio.h>
#include "core/ver_defs.h"
int main(void) { printf("%s\n%s\n", SER_FULL_VERSION, SER_COMPILE_FLAGS); return 0; }
C
# The defines carry C string literals (-DNAME="kamailio", -DCOMPILER="gcc 12.2.0"): protect the
# double quotes with single quotes so the shell splits the words but keeps the literals.
eval "args=($(sed "s/\"[^\"]*\"/'&'/g" <<<"$cdefs"))"
cc -pthread "${args[@]}" -I"$src/src" -o "$probe_dir/probe" "$probe_dir/probe.c"
got=$("$probe_dir/probe")
got_version=$(sed -n 1p <<<"$got" | sed 's/ *$//')
got_flags=$(sed -n 2p <<<"$got")
want_version=$(sed -n 's/^version: //p' <<<"$host_v" | sed 's/ *$//')
if [ "$got_version" != "$want_version" ] || [ "$got_flags" != "$want_flags" ]; then
  {
    echo "host-cdefs: the defines derived from $src do not match ${kamailio[*]}:"
    echo "  version: module '$got_version' vs host '$want_version'"
    echo "  flags:   module '$got_flags'"
    echo "           host   '$want_flags'"
    echo "Point KAMAILIO_SRC at the source of the installed version."
  } >&2
  exit 1
fi
echo "$cdefs"
