# mod_authz_policy — build, test and demo.
#
#   make          build mod_authz_policy.so with apxs
#   make install  install it and the a2enmod files (conf/authz_policy.*)
#   make test     install what is missing, build, run every test
#   make demo     install what is missing, build, start a demo server
#   make clean

APXS      ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
CC        ?= cc
WARN       = -Wall -Wextra -Werror
MODULE_SRC = mod_authz_policy.c deny.c hidden.c attrs.c network.c datafile.c userdb.c \
             policy_model.c iplist.c region.c geoip.c geoip_region.c \
             negotiate.c escape.c
HEADERS    = policy.h datafile.h userdb.h policy_model.h iplist.h region.h \
             geoip.h geoip_region.h negotiate.h escape.h
# Extra compiler flags, e.g. sanitizers: make EXTRA_CFLAGS=-fsanitize=address
EXTRA_CFLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES = apache2 apache2-dev libapache2-mod-perl2 libwww-perl curl \
               build-essential wrk libmaxminddb-dev libmaxmind-db-writer-perl \
               sqlite3 libaprutil1-dbd-sqlite3 postgresql libaprutil1-dbd-pgsql \
               memcached libapache2-mod-auth-openidc

.PHONY: all install clean deps test unit-test unit-build server-test demo demo-stop \
        bench bench-hidden bench-instructions test-asan test-valgrind fuzz fuzz-deps \
        fuzz-nightly soak

all: mod_authz_policy.so

mod_authz_policy.so: $(MODULE_SRC) $(HEADERS)
	@test -x "$(APXS)" || { echo "apxs not found: run 'make deps' (as root) first" >&2; exit 1; }
	@echo "apxs -c $(MODULE_SRC)"
	@$(APXS) -c -o mod_authz_policy.so \
	    -Wc,-std=gnu11 $(foreach f,$(WARN) $(EXTRA_CFLAGS),-Wc,$(f)) \
	    -I/usr/include/x86_64-linux-gnu -lmaxminddb \
	    $(MODULE_SRC) >.libs-build.log 2>&1 || { cat .libs-build.log; exit 1; }
	@# by rename: a running server has the old file mapped
	@cp .libs/mod_authz_policy.so mod_authz_policy.so.new
	@mv -f mod_authz_policy.so.new mod_authz_policy.so

install: mod_authz_policy.so
	$(APXS) -i -n authz_policy mod_authz_policy.so
	install -m 644 conf/authz_policy.load conf/authz_policy.conf \
	    /etc/apache2/mods-available/

# Installs what is missing from Debian's packages (needs root).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	        || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# --- tests ---------------------------------------------------------------

APR_CFLAGS = $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null)
APR_LIBS   = $(shell apr-1-config --link-ld --libs 2>/dev/null)
UNIT_TESTS = t/unit/test_userdb t/unit/test_model t/unit/test_negotiate \
             t/unit/test_escape t/unit/test_iplist t/unit/test_region

t/unit/test_userdb: t/unit/test_userdb.c userdb.c userdb.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. -o $@ $< userdb.c
t/unit/test_model: t/unit/test_model.c policy_model.c policy_model.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. $(APR_CFLAGS) -o $@ $< policy_model.c $(APR_LIBS)
t/unit/test_negotiate: t/unit/test_negotiate.c negotiate.c negotiate.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. -o $@ $< negotiate.c
t/unit/test_escape: t/unit/test_escape.c escape.c escape.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. -o $@ $< escape.c
t/unit/test_iplist: t/unit/test_iplist.c iplist.c iplist.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. -o $@ $< iplist.c
t/unit/test_region: t/unit/test_region.c region.c region.h t/unit/unit.h
	$(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -I. -o $@ $< region.c

unit-test: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do ./$$t || exit 1; done

# Only builds them (t/run-valgrind: the harness's wrappers run them).
unit-build: $(UNIT_TESTS)

# The Apache::Test suite against a real apache2 on loopback.
server-test: mod_authz_policy.so $(UNIT_TESTS)
	cd t && { perl TEST -clean >/dev/null 2>&1; perl TEST $(TEST_FILES); }

test: deps
	$(MAKE) all
	$(MAKE) unit-test server-test

# Every test with ASan + UBSan (in build/asan, on port 8539).
test-asan: deps
	bash t/run-sanitizers

# The suite's requests against one apache2 -X under valgrind memcheck, with
# leak checking.  VALGRIND_TESTS: only these test files (CI runs a subset).
VALGRIND_TESTS ?=
test-valgrind: deps
	bash t/run-valgrind $(VALGRIND_TESTS)

# --- fuzzing -----------------------------------------------------------------
# libFuzzer targets; seeds in t/fuzz/corpus/<target>, new inputs and crashes
# in build/fuzz.  Every target checks answers against a naive reference
# (see the comment at the top of each t/fuzz/fuzz_*.c).
#   make fuzz                  FUZZ_SECONDS each (default 60)
#   make fuzz FUZZ_SECONDS=10  CI's smoke
#   make fuzz-nightly          an hour each (FUZZ_NIGHTLY_SECONDS)
FUZZ_SECONDS ?= 60
FUZZ_NIGHTLY_SECONDS ?= 3600
FUZZ_TARGETS  = userdb negotiate escape iplist region geoip policy_model
# -fno-inline and the ignore list keep iplist's 65,537-bucket index loops
# out of comparison tracing, which cost most of each run
FUZZ_FLAGS    = -g -O1 -fno-inline -fsanitize=fuzzer,address,undefined \
                -fsanitize-coverage-ignorelist=t/fuzz/coverage-ignore.txt \
                -fno-sanitize-recover=all -I.

# each target fuzzes the parser of the same name: fuzz_X.c with X.c
build/fuzz/fuzz_%: t/fuzz/fuzz_%.c %.c %.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_$*.c $*.c

# MaxMind DB files: libmaxminddb and the module's pure wrapper around it
build/fuzz/fuzz_geoip: t/fuzz/fuzz_geoip.c geoip_region.c geoip_region.h \
                       region.c region.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -I/usr/include/x86_64-linux-gnu -o $@ \
	    t/fuzz/fuzz_geoip.c geoip_region.c region.c -lmaxminddb

# role inheritance and plans: APR, no httpd
build/fuzz/fuzz_policy_model: t/fuzz/fuzz_policy_model.c policy_model.c \
                              policy_model.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) $(APR_CFLAGS) -o $@ t/fuzz/fuzz_policy_model.c \
	    policy_model.c $(APR_LIBS)

fuzz-deps:
	@command -v clang >/dev/null && test -n "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep /)" \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -qq clang libclang-rt-14-dev; }
	@command -v clang >/dev/null || { echo "fuzz: clang is missing (Debian packages clang, libclang-rt-14-dev)" >&2; exit 1; }
	@test -n "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep /)" \
	    || { echo "fuzz: libFuzzer is missing (Debian package libclang-rt-14-dev)" >&2; exit 1; }

# deps: libmaxminddb-dev and APR for the geoip and policy_model targets
fuzz: deps fuzz-deps $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus-$$t; \
	    echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	    ./build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus-$$t t/fuzz/corpus/$$t \
	        2>build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log; \
	        echo "fuzz: $$t found a crash or a hang (over 10 s): add the input under build/fuzz/ to t/fuzz/corpus/$$t"; exit 1; }; \
	    grep -h '^#[0-9]*.*DONE' build/fuzz/$$t.log || tail -1 build/fuzz/$$t.log; \
	    grep -h 'average_exec_per_sec' build/fuzz/$$t.log || true; \
	done

# The nightly run: the same targets an hour each (6 hours in all); the
# corpus grows in build/fuzz/corpus-<target> from one night to the next.
fuzz-nightly:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_NIGHTLY_SECONDS)

# --- soak ---------------------------------------------------------------------
# Versions of the user file and an IP list that change decisions, each left
# to be reloaded, under traffic, for SOAK_SECONDS per MPM (event, prefork);
# fails below SOAK_RELOADS reloads per MPM.  Port: POLICY_TEST_PORT + 3.
# SOAK_MEMORY=0: memory reported, not judged (CI's few reloads cannot tell
# a leak from a warm-up).  CI: make soak SOAK_SECONDS=40 SOAK_RELOADS=8 SOAK_MEMORY=0
SOAK_SECONDS ?= 240
SOAK_RELOADS ?= 50
SOAK_MEMORY  ?= 1
soak: deps
	$(MAKE) all
	@command -v wrk >/dev/null || { echo "soak: wrk is missing (Debian package wrk)" >&2; exit 1; }
	perl t/soak/soak.pl --seconds $(SOAK_SECONDS) --min-reloads $(SOAK_RELOADS) \
	    $(if $(filter 0,$(SOAK_MEMORY)),--no-memory-check)

# --- benchmark -------------------------------------------------------------
# make bench BENCH_ARGS="--duration 10 --rounds 5 --only role-1m"
bench: deps
	$(MAKE) all
	perl bench/bench.pl $(BENCH_ARGS)

# Hidden denials against missing paths: median times, bcrypt cost 10
# (port 8545; make bench-hidden BENCH_ARGS="--requests 500 --port 8546").
bench-hidden: deps
	$(MAKE) all
	perl bench/hidden-timing.pl $(BENCH_ARGS)

# Instructions per request under callgrind: repeatable where req/s is not.
bench-instructions: deps
	$(MAKE) all
	@test -e bench/out/httpd.conf || perl bench/bench.pl --rounds 1 --duration 1
	perl bench/instructions.pl $(BENCH_ARGS)

# --- demo ----------------------------------------------------------------

demo: deps
	$(MAKE) all
	sh conf/demo.sh start

demo-stop:
	sh conf/demo.sh stop

clean:
	rm -rf .libs *.o *.lo *.la *.slo mod_authz_policy.so $(UNIT_TESTS) build
	-cd t && perl TEST -clean >/dev/null 2>&1 || true
