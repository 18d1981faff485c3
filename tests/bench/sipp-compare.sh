#!/usr/bin/env bash
# Kamailio CPU time per 1000 stateless replies, our sl.so vs the native one, under the same
# sipp load over children=4, alternated A B A B in one run. Prints the ratio ours/native per
# scenario: OPTIONS -> 200, INVITE -> 404 -> ACK, REGISTER -> 401 (auth's challenge through
# sl's bind_sl API).
# Usage: tests/bench/sipp-compare.sh MODULE_DIR [CALLS] [RATE]
set -euo pipefail
ours_dir=$(cd "${1:?usage: sipp-compare.sh MODULE_DIR}" && pwd)
calls=${2:-10000}
rate=${3:-1000}
. "$(dirname "$0")/lib.sh"

# On-CPU nanoseconds of a process and its children (the workers), from the scheduler's
# per-thread statistics (finer than the 10 ms ticks of /proc/PID/stat).
cpu_ns() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    total=$((total + $(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}')))
  done
  echo "$total"
}

# run SL_DIR SCENARIO -> prints CPU seconds per 1000 replies
run() {
  local dir=$1 scen=$2 port before after
  port=$(free_port)
  mkdir -p "$work/run"
  kamailio -DD -E -f "$root/tests/bench/bench.cfg" -L "$dir:$native_dir" -Y "$work/run" -P "$work/run/k.pid" \
    -A SIP_PORT="$port" -A CHILDREN=4 -A WITH_AUTH >"$work/log" 2>&1 &
  kpid=$!
  sleep 1.5
  before=$(cpu_ns "$kpid")
  sipp -sf "$scen" -m "$calls" -r "$rate" -l 2000 -i 127.0.0.1 -p "$(free_port)" \
    -timeout 120s -nostdin "127.0.0.1:$port" >/dev/null 2>&1 || echo "sipp reported failed calls ($scen)" >&2
  after=$(cpu_ns "$kpid")
  kill "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=
  awk -v d=$((after - before)) -v n="$calls" 'BEGIN { printf "%.4f", d / 1e9 / n * 1000 }'
}

for scen in "$root/examples/sipp/options-200.xml" "$root/examples/sipp/invite-404-ack.xml" \
  "$root/tests/bench/register-401.xml"; do
  o1=$(run "$ours_dir" "$scen"); n1=$(run "$native_dir" "$scen")
  o2=$(run "$ours_dir" "$scen"); n2=$(run "$native_dir" "$scen")
  awk -v s="$scen" -v o1="$o1" -v o2="$o2" -v n1="$n1" -v n2="$n2" -v c="$calls" 'BEGIN {
    o = (o1 + o2) / 2; n = (n1 + n2) / 2
    k = split(s, parts, "/"); s = parts[k]
    printf "%-20s CPU s per 1000 replies: ours %.4f (%.4f, %.4f)  native %.4f (%.4f, %.4f)  ratio ours/native %.2f  [%d calls each]\n",
      s, o, o1, o2, n, n1, n2, (n > 0 ? o / n : 0), c }'
done
