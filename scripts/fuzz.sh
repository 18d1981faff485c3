#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each, starting from the committed seed corpus and
# past crashes; prints each target's executions. New inputs go to target/fuzz-corpus/ (not
# committed); a crash stops the run with its file in fuzz/artifacts/<target>/: copy it to
# fuzz/regressions/<target>/ and `cargo test --test fuzz_corpus` keeps it as a test.
#   scripts/fuzz.sh SECONDS          (make fuzz: 300; the CI smoke in make test: 15)
# Needs a nightly toolchain and cargo-fuzz (scripts/deps.sh installs them). With --smoke,
# their absence is not an error: the corpus is replayed on stable instead, and said so.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
smoke=${2:-}
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo fuzz --version >/dev/null 2>&1; then
  if [ "$smoke" = --smoke ]; then
    echo "fuzz: no nightly toolchain or cargo-fuzz here; replaying the corpus on stable instead"
    exec cargo test --test fuzz_corpus
  fi
  echo "fuzz: needs a nightly toolchain and cargo-fuzz (scripts/deps.sh)" >&2
  exit 1
fi
for t in parse reply ack dialog; do
  work=target/fuzz-corpus/$t
  mkdir -p "$work"
  dirs=("$PWD/$work" "$PWD/fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && dirs+=("$PWD/fuzz/regressions/$t")
  log=target/fuzz-$t.log
  # -O optimised, -a with debug assertions (overflow checks too), as the README says.
  (cd fuzz && cargo +nightly fuzz run -O -a "$t" "${dirs[@]}" -- \
      -max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1 || {
    tail -n 40 "$log"
    echo "fuzz: target $t failed; see $log and fuzz/artifacts/$t/" >&2
    exit 1
  }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $t: $runs executions in ${seconds} s, no crash"
done
