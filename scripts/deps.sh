#!/usr/bin/env bash
# Installs what building and testing sl-rs needs, from Debian's packages, only when missing.
set -euo pipefail
need=()
command -v kamailio >/dev/null || need+=(kamailio)
# app_lua: the KEMI tests route in Lua.
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/app_lua.so ] || need+=(kamailio-lua-modules)
command -v curl >/dev/null || need+=(curl)
command -v sipp >/dev/null || need+=(sip-tester)
command -v valgrind >/dev/null || need+=(valgrind)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v python3 >/dev/null || need+=(python3)
compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || need+=(libclang-dev)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] && sudo= || sudo=sudo
  echo "deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# A kamailio installed as a package starts a system service on 5060; the tests use their own
# ports, but `make run` wants 5060 free.
if command -v systemctl >/dev/null && systemctl is-active --quiet kamailio 2>/dev/null; then
  systemctl stop kamailio || true
fi
rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt >/dev/null 2>&1 || true
# Fuzzing (make fuzz, and the smoke run in make test): cargo-fuzz on a nightly toolchain.
cargo +nightly --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal >/dev/null 2>&1 || true
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked >/dev/null 2>&1 || true
