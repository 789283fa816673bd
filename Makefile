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
MODULE_SRC = mod_authz_policy.c deny.c attrs.c network.c datafile.c userdb.c \
             policy_model.c iplist.c region.c geoip.c negotiate.c escape.c
HEADERS    = policy.h datafile.h userdb.h policy_model.h iplist.h region.h \
             geoip.h negotiate.h escape.h
# Extra compiler flags, e.g. sanitizers: make EXTRA_CFLAGS=-fsanitize=address
EXTRA_CFLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES = apache2 apache2-dev libapache2-mod-perl2 libwww-perl curl \
               build-essential wrk libmaxminddb-dev libmaxmind-db-writer-perl \
               sqlite3 libaprutil1-dbd-sqlite3 postgresql libaprutil1-dbd-pgsql \
               memcached libapache2-mod-auth-openidc

.PHONY: all install clean deps test unit-test server-test demo demo-stop \
        bench bench-instructions test-asan test-valgrind fuzz fuzz-deps soak \
        mutate

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

# The Apache::Test suite against a real apache2 on loopback.
server-test: mod_authz_policy.so $(UNIT_TESTS)
	cd t && { perl TEST -clean >/dev/null 2>&1; perl TEST $(TEST_FILES); }

test: deps
	$(MAKE) all
	$(MAKE) unit-test server-test

# Every test with ASan + UBSan (in build/asan, on port 8539).
test-asan: deps
	bash t/run-sanitizers

# The suite's requests against one apache2 -X under valgrind memcheck.
test-valgrind: deps
	bash t/run-valgrind

# Mutations of the module that the tests must catch: t/mutate/mutations.txt,
# each applied alone to a copy in build/mutate (server on MUTATE_PORT,
# default 8569).  make mutate MUTATE_ARGS="--only iplist"
mutate: deps
	perl t/mutate/run $(MUTATE_ARGS)

# --- fuzzing -----------------------------------------------------------------
# libFuzzer targets for every parser; seeds in t/fuzz/corpus/<target>, new
# inputs and crashes in build/fuzz.  make fuzz FUZZ_SECONDS=10 is CI's smoke.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = userdb negotiate escape iplist region
FUZZ_FLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -I.

# each target fuzzes the parser of the same name: fuzz_X.c with X.c
build/fuzz/fuzz_%: t/fuzz/fuzz_%.c %.c %.h
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_$*.c $*.c

fuzz-deps:
	@command -v clang >/dev/null && test -n "$$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep /)" \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -qq clang libclang-rt-14-dev; }

fuzz: fuzz-deps $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus-$$t; \
	    echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	    ./build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	        -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus-$$t t/fuzz/corpus/$$t \
	        2>build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log; \
	        echo "fuzz: $$t found a crash: add the input under build/fuzz/ to t/fuzz/corpus/$$t"; exit 1; }; \
	    grep -h '^#[0-9]*.*DONE' build/fuzz/$$t.log || tail -1 build/fuzz/$$t.log; \
	done

# --- soak ---------------------------------------------------------------------
SOAK_SECONDS ?= 60
soak: deps
	$(MAKE) all
	perl t/soak/soak.pl --seconds $(SOAK_SECONDS)

# --- benchmark -------------------------------------------------------------
# make bench BENCH_ARGS="--duration 10 --rounds 5 --only role-1m"
bench: deps
	$(MAKE) all
	perl bench/bench.pl $(BENCH_ARGS)

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
