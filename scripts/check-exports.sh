#!/bin/sh
# Fails unless the module exports exactly the four names Kamailio looks up with dlsym
# (exports, module_version, module_flags, mod_register): anything else would be a symbol
# another module could bind to by accident (src/ffi/exports.rs).
set -eu
so=$1
got=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
want="exports mod_register module_flags module_version "
if [ "$got" != "$want" ]; then
	echo "check-exports: $so exports: $got; it must export only: $want" >&2
	exit 1
fi
