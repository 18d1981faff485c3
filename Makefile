# sl-rs: build, run and test the Rust sl module against Kamailio (HOST_SUITE: which one, below).
#   make deps    install what the build and tests need (apt, once)
#   make run     build the module and start Kamailio on 127.0.0.1:5060 with examples/kamailio.cfg
#   make test    everything, on every host: Rust tests, C harness under valgrind, real Kamailio
#                + sipp against each host's native sl.so, the packages
#   make bench   callgrind (every host) + sipp comparison with the native module
#   make fuzz    every fuzz target for FUZZ_SECONDS (default 300) each
#   make fuzz-wire  WIRE_N (default 20000) mutated requests to ours and native, compared
#                   (WIRE_LENIENT=1: both under Kamailio's sip_parser_mode=0)
#   make mutants mutation testing of the pure core, the module layer, the statistics and the guard
#   make soak    the load and memory test with 100000 calls, on the release module
SHELL := /bin/bash
.DEFAULT_GOAL := module

# The Kamailio the module is built for and tested against: the machine's own (Debian bookworm's
# 5.6) by default; HOST_SUITE=trixie: Debian's Kamailio 6.0 in a trixie root;
# HOST_SUITE=upstream-6.1: Kamailio 6.1 built from the vendored upstream source, installed at
# Debian's paths in a bookworm root. scripts/host-root.sh makes each root once under
# target/hosts/ (its kamailio, kamcmd and sipp run there through scripts/in-root.sh). Everything
# built for another host goes under target/<host>/.
HOST_SUITE ?=
HOST_OUT   := target$(if $(HOST_SUITE),/$(HOST_SUITE))
HOST_CACHE := $(HOST_OUT)/kamailio-src
# Set to build against another Kamailio source tree of the host's version (e.g. the tree a
# Kamailio was built and installed from; KAMAILIO_BIN names its binary when not on the PATH).
KAMAILIO_SRC ?=
MODULES_DIR  := /usr/lib/x86_64-linux-gnu/kamailio/modules
MODULE_DIR   := $(HOST_OUT)/module
# Starts every recipe line that builds for or runs on the host: sets the host's build variables
# (SL_RS_HOST_ROOT, KAMAILIO_SRC, KAMAILIO_CDEFS; scripts/host-env.sh), or stops the recipe with
# that script's line when a host or its source cannot be had.
HOST_ENV      = hostenv=$$(scripts/host-env.sh '$(HOST_SUITE)' $(HOST_CACHE) '$(KAMAILIO_SRC)') && eval "$$hostenv" &&
# Runs a host command (kamailio, kamcmd, sipp) on the host under test (after HOST_ENV).
IN_HOST       = $${SL_RS_HOST_ROOT:+scripts/in-root.sh $$SL_RS_HOST_ROOT}
# The other hosts `make test` runs the host suite against, beside the machine's own (their
# sub-makes clear KAMAILIO_SRC: a tree given for the machine's host is not theirs).
OTHER_HOSTS  := trixie upstream-6.1
# The hosts Debian packages are made for beside the machine's own: one whose source package apt
# cannot fetch (forky's 6.1.5 here) is skipped with one line.
DEB_HOSTS    := trixie forky

.PHONY: deps module module-debug run bench-callgrind test test-rust test-c test-host test-other-hosts test-versions test-deb deb test-wire fuzz fuzz-smoke fuzz-wire mutants soak header check fmt clippy bench clean

deps:
	scripts/deps.sh

# The module as Kamailio loads it: target/module/sl.so (release build; target/<suite>/module/ for
# another host). Installed by rename, not copied over: a running Kamailio keeps the file it
# mapped (overwriting a mapped library in place changes the code under it).
module: deps
	$(HOST_ENV) cargo build --release --features kamailio --target-dir $(HOST_OUT)
	scripts/check-exports.sh $(HOST_OUT)/release/libsl_rs.so
	mkdir -p $(MODULE_DIR) && cp $(HOST_OUT)/release/libsl_rs.so $(MODULE_DIR)/.sl.so.new \
		&& mv -f $(MODULE_DIR)/.sl.so.new $(MODULE_DIR)/sl.so

run: module
	mkdir -p $(HOST_OUT)/run
	$(HOST_ENV) $(IN_HOST) kamailio -DD -E -f examples/kamailio.cfg -L $(MODULE_DIR):$(MODULES_DIR) \
		-Y $(CURDIR)/$(HOST_OUT)/run -P $(CURDIR)/$(HOST_OUT)/run/kamailio.pid

test: deps check test-rust test-c test-host test-wire test-other-hosts test-versions test-deb fuzz-smoke

# The host suite and the short wire run again on every other supported Kamailio.
test-other-hosts:
	set -e; for h in $(OTHER_HOSTS); do $(MAKE) --no-print-directory test-host test-wire HOST_SUITE=$$h KAMAILIO_SRC=; done

# Each host refuses the module built for every other with the core's version line.
test-versions: module
	set -e; for h in $(OTHER_HOSTS); do $(MAKE) --no-print-directory module HOST_SUITE=$$h KAMAILIO_SRC=; done
	hosts="- $(CURDIR)/target/module"; \
	for h in $(OTHER_HOSTS); do hosts="$$hosts;$$(scripts/host-root.sh $$h) $(CURDIR)/target/$$h/module"; done; \
	$(HOST_ENV) SL_RS_VERSION_HOSTS="$$hosts" cargo test \
		--features kamailio,panic-test --target-dir $(HOST_OUT)/host --test versions

# Formatting, lints and the committed header are part of the test.
check:
	cargo fmt --all -- --check
	cargo clippy --all-targets --features capi -- -D warnings
	$(HOST_ENV) cargo clippy --features kamailio,panic-test --all-targets -- -D warnings

# The unit tests run a second time under valgrind (memcheck): 0 errors, no definite leak.
test-rust:
	cargo test
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-possibly-lost=no -q \
		$$(cargo test --lib --no-run 2>&1 | sed -n 's/.*Executable unittests src\/lib.rs (\(.*\))/\1/p') \
		--test-threads=1 -q

# The C harness links the library (built without the host) through include/sl_rs.h.
test-c:
	cargo build --release --features capi,panic-test --target-dir target/harness
	cc -Wall -Wextra -Werror -g -Iinclude tests/c/harness.c -o target/harness/harness \
		-Ltarget/harness/release -lsl_rs -Wl,-rpath,$(CURDIR)/target/harness/release
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		target/harness/harness

# Real Kamailio and sipp on loopback, against our module and the native one. The load test
# runs the release module, as it ships (the others need the test-only panic switch).
test-host: module
	$(HOST_ENV) cargo build --features kamailio,panic-test --target-dir $(HOST_OUT)/host
	$(HOST_ENV) cargo test --features kamailio,panic-test --target-dir $(HOST_OUT)/host --test host --test parity --test stock --test kemi --test faults --test robust --test since_6_0 --test dialog_acks -- --test-threads=1
	$(HOST_ENV) SL_RS_MODULE=$(CURDIR)/$(MODULE_DIR)/sl.so cargo test --features kamailio,panic-test \
		--target-dir $(HOST_OUT)/host --test load -- --nocapture

# The long load run on the release module: SOAK_CALLS calls at SOAK_RATE per second over
# SOAK_CHILDREN UDP workers (the README's load figure comes from this run). SOAK_MODULE runs
# the same test on another sl.so, e.g. the native one: $(MODULES_DIR)/sl.so.
SOAK_CALLS ?= 100000
SOAK_RATE ?= 20000
SOAK_CHILDREN ?= 2
SOAK_MODULE ?= $(CURDIR)/$(MODULE_DIR)/sl.so
soak: module
	SL_RS_MODULE=$(SOAK_MODULE) SL_RS_LOAD_CALLS=$(SOAK_CALLS) SL_RS_LOAD_RATE=$(SOAK_RATE) \
		SL_RS_LOAD_CHILDREN=$(SOAK_CHILDREN) $(HOST_ENV) cargo test \
		--features kamailio,panic-test --target-dir $(HOST_OUT)/host --test load -- --nocapture

# Wire-level differential fuzzing: mutated requests to a Kamailio with our module and one with
# the native one, over UDP and TCP; every difference is written to target/wire/diffs/.
WIRE_N ?= 20000
WIRE_SEED ?= 1
fuzz-wire: module
	rm -rf target/wire/diffs
	$(HOST_ENV) tests/wire/wire.py -n $(WIRE_N) --seed $(WIRE_SEED) \
		$(if $(WIRE_LENIENT),--lenient) $(MODULE_DIR)

# A short fixed-seed run of it (part of make test and CI).
test-wire: module
	rm -rf target/wire/diffs
	$(HOST_ENV) tests/wire/wire.py -n 1000 --seed 7 $(MODULE_DIR)
	$(HOST_ENV) tests/wire/wire.py -n 300 --seed 8 --lenient $(MODULE_DIR)

# Mutation testing of src/sip, src/reply, src/module, src/stats.rs and src/guard.rs with the
# unit tests (.cargo/mutants.toml): every mutant must be
# caught by the unit tests (or excluded there, with its reason).
# Its exit code 3 says some mutants hung until the timeout: those are caught too (a loop that no
# longer ends fails its test); 2 (a mutant missed) and anything else fail.
mutants:
	cargo mutants --version >/dev/null 2>&1 || cargo install cargo-mutants --locked
	cargo mutants --jobs 2 --timeout 10; rc=$$?; [ $$rc = 0 ] || [ $$rc = 3 ]

# Debian packages kamailio-sl-rs, one per host, in target/deb/<suite>/ (scripts/make-deb.sh).
deb: module
	rm -rf target/deb
	scripts/make-deb.sh $(MODULE_DIR)/sl.so target/deb/$$(. /etc/os-release && echo $$VERSION_CODENAME)
	set -e; for h in $(DEB_HOSTS); do \
		if $(MAKE) --no-print-directory -s module HOST_SUITE=$$h KAMAILIO_SRC= >target/deb-$$h.log 2>&1; then \
			scripts/make-deb.sh target/$$h/module/sl.so target/deb/$$h $$(scripts/host-root.sh $$h); \
		else echo "deb: no package for $$h: $$(grep -E '^(fetch-kamailio-src|host-[a-z]+): ' target/deb-$$h.log | tail -n1)"; fi; \
	done

# Each package lintian-clean, then installed into a clean root of its host with Debian's stock
# config, and purged (every host with a package in target/deb).
test-deb: deb
	$(HOST_ENV) scripts/test-deb.sh

FUZZ_SECONDS ?= 300
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# A short run of each target from the committed corpus (part of make test and CI).
fuzz-smoke:
	scripts/fuzz.sh 15 --smoke

header:
	cargo build
	cp $$(ls -t target/debug/build/sl-rs-*/out/sl_rs.h | head -n1) include/sl_rs.h

fmt:
	cargo fmt --all

# Instruction counts first (deterministic), on the machine's own Kamailio and on each of
# BENCH_HOSTS, then CPU time under sipp (noisy on shared cores; the machine's own host).
# BENCH_N requests per callgrind run; BENCH_ROWS=REGEX: only the rows it matches.
BENCH_N ?= 300
BENCH_HOSTS ?= $(OTHER_HOSTS)
bench: module
	cargo bench --bench reply
	set -e; for h in '' $(BENCH_HOSTS); do $(MAKE) --no-print-directory -s bench-callgrind HOST_SUITE=$$h \
		KAMAILIO_SRC=$$([ -n "$$h" ] || echo '$(KAMAILIO_SRC)'); done
	tests/bench/sipp-compare.sh $(MODULE_DIR) 20000 4000

# The callgrind rows of one host.
bench-callgrind: module
	$(HOST_ENV) tests/bench/callgrind.sh $(MODULE_DIR) $(BENCH_N)

clean:
	cargo clean
