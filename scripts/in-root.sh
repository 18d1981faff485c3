#!/usr/bin/env bash
# Runs a command inside a Debian root made by host-root.sh (e.g. Kamailio 6.0 in a trixie root),
# as if installed on this machine: the repo, /tmp, /dev and /proc are visible at the same paths,
# the network (loopback) is shared. The mounts live in a private mount namespace that ends with
# the command, so nothing stays mounted; the process keeps its pid through every exec, so a test
# stops what it started by pid as it does on the machine's own Kamailio.
#   in-root.sh ROOT COMMAND [ARG...]     (the working directory is kept)
set -euo pipefail
root=$(cd "${1:?usage: in-root.sh ROOT COMMAND [ARG...]}" && pwd); shift
repo=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/usr/bin/apt-get" ] || { echo "in-root: $root is not a Debian root (scripts/host-root.sh makes it)" >&2; exit 1; }
mkdir -p "$root$repo"
exec unshare --mount --propagation private /bin/sh -c '
  r=$1 repo=$2 cwd=$3; shift 3
  mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" && mount --rbind /tmp "$r/tmp" \
    && mount --rbind "$repo" "$r$repo" || exit 125
  exec chroot "$r" /bin/sh -c "cd \"\$0\" 2>/dev/null; exec \"\$@\"" "$cwd" "$@"
' in-root "$root" "$repo" "$PWD" "$@"
