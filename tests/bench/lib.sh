# Shared by the bench scripts (sourced): paths, a scratch folder removed on exit with the
# Kamailio started into $kpid, and a free UDP port on 127.0.0.1.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
native_dir=/usr/lib/x86_64-linux-gnu/kamailio/modules
work=$(mktemp -d)
kpid=
cleanup() { [ -n "$kpid" ] && kill "$kpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
