#!/usr/bin/env bash
# Kamailio CPU time per 1000 stateless replies, our sl.so vs the native one, under the same
# sipp load, alternated A B A B in one run. Prints the ratio ours/native per scenario.
# Usage: tests/bench/sipp-compare.sh MODULE_DIR [CALLS] [RATE]
set -euo pipefail
ours_dir=$(cd "${1:?usage: sipp-compare.sh MODULE_DIR}" && pwd)
calls=${2:-10000}
rate=${3:-1000}
. "$(dirname "$0")/lib.sh"

# Sum of user+system clock ticks of a process and its children (the workers).
cpu_ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}

# run SL_DIR SCENARIO -> prints CPU seconds per 1000 replies
run() {
  local dir=$1 scen=$2 port before after
  port=$(free_port)
  mkdir -p "$work/run"
  kamailio -DD -E -f "$root/tests/bench/bench.cfg" -L "$dir:$native_dir" -Y "$work/run" -P "$work/run/k.pid" \
    -A SIP_PORT="$port" -A CHILDREN=4 >"$work/log" 2>&1 &
  kpid=$!
  sleep 1.5
  before=$(cpu_ticks "$kpid")
  sipp -sf "$root/examples/sipp/$scen" -m "$calls" -r "$rate" -l 2000 -i 127.0.0.1 -p "$(free_port)" \
    -timeout 120s -nostdin "127.0.0.1:$port" >/dev/null 2>&1 || echo "sipp reported failed calls ($scen)" >&2
  after=$(cpu_ticks "$kpid")
  kill "$kpid"; wait "$kpid" 2>/dev/null || true; kpid=
  awk -v d=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$calls" 'BEGIN { printf "%.4f", d / hz / n * 1000 }'
}

for scen in options-200.xml invite-404-ack.xml; do
  o1=$(run "$ours_dir" "$scen"); n1=$(run "$native_dir" "$scen")
  o2=$(run "$ours_dir" "$scen"); n2=$(run "$native_dir" "$scen")
  awk -v s="$scen" -v o1="$o1" -v o2="$o2" -v n1="$n1" -v n2="$n2" -v c="$calls" 'BEGIN {
    o = (o1 + o2) / 2; n = (n1 + n2) / 2
    printf "%-20s CPU s per 1000 replies: ours %.4f (%.4f, %.4f)  native %.4f (%.4f, %.4f)  ratio ours/native %.2f  [%d calls each]\n",
      s, o, o1, o2, n, n1, n2, (n > 0 ? o / n : 0), c }'
done
