#!/usr/bin/env bash
# Instructions per request, our sl.so vs the native one, counted by valgrind's callgrind in
# the UDP worker (deterministic for the same binaries and inputs, unlike CPU time on a shared
# machine). For each module and scenario: N requests sent one after another (each waits for
# its reply; INVITEs are acknowledged with the reply's To-tag), then per request:
#   request  inclusive cost of the core's receive_msg (parse, script, sl, send, free)
#   sl       inclusive cost of the module's reply function (ours: the script function with its
#            parameters; native: sl_send_reply, without them)
#   ack      inclusive cost of the ACK filter, per ACK
# Usage: tests/bench/callgrind-compare.sh MODULE_DIR [N]
set -euo pipefail
ours_dir=$(cd "${1:?usage: callgrind-compare.sh MODULE_DIR [N]}" && pwd)
n=${2:-1000}
. "$(dirname "$0")/lib.sh"

# load PORT METHOD N: sends N requests (and ACKs to INVITE replies), after a readiness probe.
load() {
  python3 - "$@" <<'PY'
import socket, sys, time
port, method, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]
def req(m, i, cseq_m, tag=""):
    return (f"{m} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKcg{i};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: Alice <sip:alice@127.0.0.1>;tag=a{i}\r\nTo: <sip:bob@127.0.0.1>{tag}\r\n"
            f"Call-ID: cg-{i}@127.0.0.1\r\nCSeq: 1 {cseq_m}\r\nContact: <sip:alice@127.0.0.1:{me}>\r\n"
            f"User-Agent: callgrind-compare\r\nContent-Length: 0\r\n\r\n").encode()
s.settimeout(2.0)
deadline = time.time() + 120
while True:  # readiness: the server answers (slowly, under valgrind)
    s.sendto(req("OPTIONS", "ready", "OPTIONS"), ("127.0.0.1", port))
    try:
        s.recv(65535)
        break
    except socket.timeout:
        if time.time() > deadline:
            sys.exit("server not ready")
s.settimeout(30.0)
for i in range(n):
    s.sendto(req(method, i, method), ("127.0.0.1", port))
    reply = s.recv(65535).decode(errors="replace")
    if method == "INVITE":
        to = next(l for l in reply.split("\r\n") if l.startswith("To:"))
        tag = to[to.index(";tag="):]
        s.sendto(req("ACK", i, "ACK", tag), ("127.0.0.1", port))
PY
}

# inclusive FILE FUNCTION: inclusive instructions of FUNCTION in a callgrind output file.
inclusive() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
    awk -v f="$2" '$0 ~ ("[:]" f " ") || $0 ~ ("[:]" f "$") { gsub(",", "", $1); print $1; exit }'
}

# run DIR METHOD -> "request sl ack" instructions per request
run() {
  local dir=$1 method=$2 port worker
  port=$(free_port)
  rm -f "$work"/cg.*
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$work/cg.%p" \
    kamailio -DD -E -f "$root/tests/bench/bench.cfg" -L "$dir:$native_dir" -Y "$work" -P "$work/k.pid" \
    -A SIP_PORT="$port" -A CHILDREN=1 >"$work/log" 2>&1 &
  kpid=$!
  load "$port" "$method" "$n"
  kill "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=
  # the UDP worker is the process that ran receive_msg
  worker=$(for f in "$work"/cg.*; do echo "$(inclusive "$f" receive_msg || true) $f"; done | sort -n | tail -n1 | cut -d' ' -f2)
  local req sl ack
  req=$(inclusive "$worker" receive_msg)
  if [ "$dir" = "$native_dir" ]; then
    # Debian's sl.so is stripped: sl_send_reply is the exported function the script's
    # wrapper calls (the wrapper only reads the two parameters)
    sl=$(inclusive "$worker" sl_send_reply); ack=$(inclusive "$worker" sl_filter_ACK)
  else
    sl=$(inclusive "$worker" sl_rs_w_sl_send_reply); ack=$(inclusive "$worker" sl_rs_filter_ack)
  fi
  local msgs=$((n + 1)) acks=0
  [ "$method" = INVITE ] && { msgs=$((2 * n + 1)); acks=$n; }
  awk -v r="${req:-0}" -v s="${sl:-0}" -v a="${ack:-0}" -v m="$msgs" -v n="$((n + 1))" -v k="$acks" \
    'BEGIN { printf "%d %d %d", r / m, s / n, (k ? a / k : 0) }'
}

echo "instructions per request (callgrind, $n requests per run, UDP worker of children=1):"
for method in OPTIONS INVITE; do
  read -r or os oa <<<"$(run "$ours_dir" "$method")"
  read -r nr ns na <<<"$(run "$native_dir" "$method")"
  label="$method -> $([ "$method" = OPTIONS ] && echo 200 || echo '404 -> ACK')"
  awk -v l="$label" -v or="$or" -v os="$os" -v oa="$oa" -v nr="$nr" -v ns="$ns" -v na="$na" 'BEGIN {
    printf "%-18s whole message: ours %7d native %7d (%.2f)   sl reply: ours %6d native %6d (%.2f)",
      l, or, nr, or / nr, os, ns, os / ns
    if (oa > 0) printf "   ACK filter: ours %5d native %5d (%.2f)", oa, na, oa / na
    printf "\n" }'
done
