#!/usr/bin/env bash
# Instructions per request, our sl.so against Debian's native one in the same run, counted by
# valgrind's callgrind (deterministic for the same binaries and inputs, unlike CPU time on a
# shared machine). Each row: one configuration, allocator and request shape; N requests sent one
# after another (INVITE replies acknowledged with their To-tag), counted in the process that
# answered them:
#   whole msg   the core's receive_msg per message, inclusive (parse, script, sl, send, free)
#               (ratio to three decimals: the targets sit at 0.85 and 0.90, and 0.855 is not 0.85)
#   reply       the module's reply function per reply, inclusive of the core it calls (ours: the
#               script function with its parameters; native: sl_send_reply, without them), less
#               the hooks
#   hooks       what the outgoing-reply hooks cost inside the reply, per reply, for both alike:
#               with a module listening to SREV_SIP_REPLY_OUT (dlgs, which the stock config of
#               6.0 and 6.1 loads), the reply parsed for it, the listeners, the parse freed;
#               0 where none listens (the alloc column counts the parse's allocations too)
#   ACK         the module's ACK filter per absorbed ACK, inclusive
#   alloc       instructions spent in the host's allocators (pkg/shm malloc and free) inside the
#               module's functions, per reply: a second run collects only inside them
#   floor       the whole-message ratio a module costing nothing would reach: native's whole
#               message less its reply (the hooks still run) and ACK filter, over native's
# The host: the machine's own Kamailio, or the one in SL_RS_HOST_ROOT (a Debian root of
# scripts/host-root.sh; make bench sets it per host), whose stock config is its own
# /etc/kamailio/kamailio.cfg.
# Configurations:
#   stock    Debian's /etc/kamailio/kamailio.cfg, loadmodule "sl.so" pointed at the module, one
#            forked UDP worker (-n 1): OPTIONS keepalive -> 200 Keepalive; INVITE to a
#            non-local URI -> 403 Not relaying -> ACK (the stateless replies it gives)
#   minimal  tests/bench/minimal.cfg, fork=no: OPTIONS -> 200, INVITE -> 404 -> ACK
#   forked   tests/bench/bench.cfg, children=1 (the allocator state there makes native's
#            pkg_malloc walk q_malloc's free lists on every reply)
#   dialog   minimal with absorb_dialog_acks on for ours (native as in minimal): a re-INVITE
#            (To-tag already there) -> 404 -> its ACK, absorbed through the in-dialog table; an
#            in-dialog ACK with no such reply sent (after an OPTIONS -> 200); the minimal rows of
#            the same shapes give ours with the parameter off
# Then the reply's growth with the request's size: the same OPTIONS with 4096 bytes more, in 64
# lines of 64 bytes (Vias under the first, which every reply copies; or X-Pad lines after CSeq,
# which none does), against what the C library's memcpy takes for 4096 bytes (memcpy.c).
# Usage: tests/bench/callgrind.sh MODULE_DIR [N]   (BENCH_ROWS=REGEX: only the rows it matches,
# "size" for the size rows)
set -euo pipefail
ours_dir=$(cd "${1:?usage: callgrind.sh MODULE_DIR [N]}" && pwd)
n=${2:-300}
. "$(dirname "$0")/lib.sh"

# callgrind_annotate from /: it leaves a line's object ([/usr/.../kex.so]) out where the
# line's source lies under the working folder, and the rules below read objects.
annotate() { (cd / && callgrind_annotate "$@" 2>/dev/null); }

# inclusive FILE FUNCTION: inclusive instructions of FUNCTION in a callgrind output file.
inclusive() {
  annotate --inclusive=yes --threshold=100 "$1" |
    awk -v f="$2" '$0 ~ ("[:]" f " ") || $0 ~ ("[:]" f "$") { gsub(",", "", $1); print $1; exit }'
}

# allocator FILE: instructions in the host's allocator functions (self cost).
allocator() {
  annotate --threshold=100 "$1" |
    awk '/[:](qm|fm|tlsf)_(malloc|free|realloc|mallocxz|reallocxf)[ (]/ { gsub(",", "", $1); s += $1 } END { printf "%.0f\n", s }'
}

# hooks FILE: the outgoing-reply hooks, where the module pass collects (inside the module's
# functions): the reply's parse and its free, and what the core's events run in the listening
# modules (dlgs), less kex's memory statistics, which every allocation runs (native's reply
# buffer too: that stays the module's own).
hooks() {
  { inclusive "$1" build_sip_msg_from_buf
    # the parse freed by the module itself (a listener may parse and free messages of its own,
    # counted with the listener)
    annotate --inclusive=yes --tree=caller --threshold=100 "$1" |
      awk '/^$/ { n = 0; next } /</ { line[n++] = $0; next }
           /\* .*[:]free_sip_msg \[/ { for (i = 0; i < n; i++) if (line[i] ~ /\/sl\.so\]$/) {
             split(line[i], f, " "); gsub(",", "", f[1]); print f[1] } }'
    annotate --inclusive=yes --tree=calling --threshold=100 "$1" |
      awk '/^ *[0-9,]+ .*\* .*[:]sr_event_exec \[/ { on = 1; next } on && !/>/ { on = 0 }
           on && !/kex\.so/ { gsub(",", "", $1); print $1 }'
  } | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
host_root=${SL_RS_HOST_ROOT:-}
in_host=()
[ -z "$host_root" ] || in_host=("$root/scripts/in-root.sh" "$host_root")

# kamailio_cmd CONFIG DIR ALLOC PORT: the command line for one configuration.
kamailio_cmd() {
  local cfg=$1 dir=$2 alloc=$3 port=$4 x=()
  [ "$alloc" = tlsf ] && x=(-x tlsf -X tlsf)
  case $cfg in
    stock)
      sed "s|^loadmodule \"sl.so\"|loadmodule \"$dir/sl.so\"|" "$host_root/etc/kamailio/kamailio.cfg" >"$work/stock.cfg"
      echo kamailio -DD -E -n 1 -f "$work/stock.cfg" -l "udp:127.0.0.1:$port" "${x[@]}" ;;
    minimal)
      echo kamailio -D -E -f "$root/tests/bench/minimal.cfg" -L "$dir:$native_dir" -A "SIP_PORT=$port" "${x[@]}" ;;
    dialog)
      [ "$dir" = "$native_dir" ] || x+=(-A ABSORB_DIALOG_ACKS)
      echo kamailio -D -E -f "$root/tests/bench/minimal.cfg" -L "$dir:$native_dir" -A "SIP_PORT=$port" "${x[@]}" ;;
    forked)
      echo kamailio -DD -E -f "$root/tests/bench/bench.cfg" -L "$dir:$native_dir" -A "SIP_PORT=$port" -A CHILDREN=1 "${x[@]}" ;;
  esac
}

# run CONFIG DIR ALLOC SHAPE [PAD] -> "whole reply ack alloc hooks" per message / reply / ACK /
# reply / reply
run() {
  local cfg=$1 dir=$2 alloc=$3 shape=$4 pad=${5:-copied:0} port worker toggles msgs acks=0 req sl ack al own h
  local reply_fn=sl_rs::ffi::script::sl_send_reply ack_fn=sl_rs::ffi::script::filter_ack
  [ "$dir" = "$native_dir" ] && { reply_fn=sl_send_reply; ack_fn=sl_filter_ACK; }
  for pass in whole module; do
    port=$(free_port)
    rm -f "$work"/cg.*
    toggles=()
    [ $pass = module ] && toggles=(--toggle-collect="$reply_fn" --toggle-collect="$ack_fn")
    # shellcheck disable=SC2046
    ${in_host[@]+"${in_host[@]}"} valgrind --tool=callgrind --trace-children=yes "${toggles[@]}" --callgrind-out-file="$work/cg.%p" \
      $(kamailio_cmd "$cfg" "$dir" "$alloc" "$port") -Y "$work" -P "$work/k.pid" >"$work/log" 2>&1 &
    kpid=$!
    python3 "$root/tests/bench/load.py" "$port" "$shape" "$n" "$pad" || { cat "$work/log" >&2; exit 1; }
    kill "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=
    # The workers' valgrind instances write their files as they exit, after the main process.
    for _ in $(seq 150); do pgrep -f -- "--callgrind-out-file=$work/cg" >/dev/null || break; sleep 0.2; done
    if [ $pass = whole ]; then
      # the process that answered is the one that ran receive_msg most
      worker=$(for f in "$work"/cg.*; do echo "$(inclusive "$f" receive_msg || true) $f"; done | sort -n | tail -n1 | cut -d' ' -f2)
      req=$(inclusive "$worker" receive_msg); ack=$(inclusive "$worker" "$ack_fn")
    else
      # The reply and its hooks from the same run: where a timer process frees shared memory
      # (dlgs), the heap, and so an allocation's cost, differs from run to run.
      worker=$(for f in "$work"/cg.*; do echo "$(inclusive "$f" "$reply_fn" || true) $f"; done | sort -n | tail -n1 | cut -d' ' -f2)
      sl=$(inclusive "$worker" "$reply_fn"); h=$(hooks "$worker"); al=$(allocator "$worker")
    fi
  done
  own=$(( ${sl:-0} - ${h:-0} ))
  msgs=$((n + 1))
  case $shape in invite | relay | reinvite | dialogack) msgs=$((2 * n + 1)); acks=$n ;; esac
  awk -v r="${req:-0}" -v s="${own:-0}" -v a="${ack:-0}" -v al="${al:-0}" -v h="$h" -v m="$msgs" -v n="$((n + 1))" -v k="$acks" \
    'BEGIN { printf "%d %d %d %d %d", r / m, s / n, (k ? a / k : 0), al / n, h / n }'
}

label() {
  case $1 in
    keepalive) echo "OPTIONS keepalive -> 200" ;; relay) echo "INVITE -> 403 -> ACK" ;;
    options) echo "OPTIONS -> 200" ;; invite) echo "INVITE -> 404 -> ACK" ;;
    reinvite) echo "re-INVITE -> 404 -> ACK" ;; dialogack) echo "OPTIONS -> 200, dlg ACK" ;;
  esac
}

host_v=$(${in_host[@]+"${in_host[@]}"} kamailio -V | sed -n 's/^version: //p' | sed 's/ *$//')
echo "instructions per request (callgrind, $n requests per run; ours/native in brackets), host $host_v:"
printf '%-8s %-5s %-26s %-30s %-6s %-20s %-18s %-36s %s\n' config alloc request "whole msg: ours native" floor \
  "reply: ours native" "ACK: ours native" "alloc in module/reply: ours native" "hooks/reply: ours native"
for row in "stock qm keepalive" "stock tlsf keepalive" "stock qm relay" "stock tlsf relay" \
  "minimal qm options" "minimal tlsf options" "minimal qm invite" "minimal tlsf invite" \
  "forked qm options" "forked qm invite" \
  "minimal qm reinvite" "dialog qm reinvite" "minimal qm dialogack" "dialog qm dialogack"; do
  [[ $row =~ ${BENCH_ROWS:-.} ]] || continue
  read -r cfg alloc shape <<<"$row"
  read -r ow os oa oal oh <<<"$(run "$cfg" "$ours_dir" "$alloc" "$shape")"
  read -r nw ns na nal nh <<<"$(run "$cfg" "$native_dir" "$alloc" "$shape")"
  awk -v c="$cfg" -v al="$alloc" -v l="$(label "$shape")" -v ow="$ow" -v nw="$nw" -v os="$os" -v ns="$ns" \
    -v oa="$oa" -v na="$na" -v oal="$oal" -v nal="$nal" -v oh="$oh" -v nh="$nh" 'BEGIN {
      per = (oa > 0 ? 2 : 1)  # messages per call: the request, and its ACK
      floor = (per * nw - ns - na * (per - 1)) / (per * nw)
      printf "%-8s %-5s %-26s %6d %6d (%.3f)          %.3f  %5d %5d (%.2f)   ", c, al, l, ow, nw, ow / nw, floor, os, ns, os / ns
      if (oa > 0) printf "%5d %5d (%.2f)  ", oa, na, oa / na; else printf "%-18s ", "-"
      printf "%-36s %d %d\n", oal " " nal, oh, nh }'
done

[[ size =~ ${BENCH_ROWS:-.} ]] || exit 0
# copy_cost BYTES: instructions of one memcpy of BYTES (bound at start: no lazy PLT lookup).
cc -O2 -Wl,-z,now -o "$work/memcpy" "$root/tests/bench/memcpy.c"
copy_cost() {
  valgrind --tool=callgrind --toggle-collect=copy --callgrind-out-file="$work/mc.out" "$work/memcpy" "$1" >/dev/null 2>&1
  annotate "$work/mc.out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
pad=4096
memcpy=$(($(copy_cost $pad) - $(copy_cost 0)))
echo
echo "reply growth with the request's size (callgrind, $n requests per run, qm): $pad bytes more, in 64-byte lines"
printf '%-8s %-40s %-22s %-22s %-22s %-20s %s\n' config "lines added" "reply: ours native" "growth: ours native" \
  "per line: ours native" "memcpy: all, a line" "ours/memcpy"
for row in "stock keepalive" "minimal options"; do
  read -r cfg shape <<<"$row"
  read -r _ os0 _ <<<"$(run "$cfg" "$ours_dir" qm "$shape")"
  read -r _ ns0 _ <<<"$(run "$cfg" "$native_dir" qm "$shape")"
  printf '%-8s %-40s %6d %6d\n' "$cfg" "none" "$os0" "$ns0"
  for kind in copied skipped; do
    read -r _ os _ <<<"$(run "$cfg" "$ours_dir" qm "$shape" "$kind:$pad")"
    read -r _ ns _ <<<"$(run "$cfg" "$native_dir" qm "$shape" "$kind:$pad")"
    what="64 Via lines under the first (copied)"
    [ $kind = skipped ] && what="64 X-Pad lines after CSeq (not copied)"
    awk -v c="$cfg" -v w="$what" -v os="$os" -v ns="$ns" -v og=$((os - os0)) -v ng=$((ns - ns0)) -v m="$memcpy" \
      -v l=$((pad / 64)) 'BEGIN { printf "%-8s %-40s %6d %6d        %+7d %+8d        %6.0f %6.0f          %4d %4.0f            %.1f\n", c, w, os, ns, og, ng, og / l, ng / l, m, m / l, og / m }'
  done
done
