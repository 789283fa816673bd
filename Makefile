# mod_authz_policy — build, test, package and demo.
#
#   make               build mod_authz_policy.so with apxs, and the
#                      authz-policy tool (build/authz-policy)
#   make install       install the module, its a2enmod pair and the docs
#   make uninstall     disable the module and remove what make install put
#   make deps          install the Debian packages for everything below
#   make test          build, run every test (installs the test services)
#   make deb           build the Debian package in build/deb, run lintian
#   make test-package  install that package into the system's apache2, try
#                      it on a server of its own, purge it
#   make demo          build, start a demo server on 127.0.0.1
#   make clean

APXS      ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
CC        ?= cc
WARN       = -Wall -Wextra -Werror
# The module's httpd-facing files, compiled by apxs with httpd's headers.
MODULE_SRC = mod_authz_policy.c config.c config_answer.c require.c \
             configtest.c takeover.c request.c deny.c decision_log.c hidden.c \
             shadow.c attrs.c network.c geoip.c datafile.c datafile_carry.c \
             datafile_watch.c datafile_htaccess.c datafile_snapshot.c \
             datafile_read.c cache.c attrs_file.c attrs_env.c attrs_dbd.c \
             attrs_ldap.c origin.c \
             metrics.c status.c status_text.c checks.c explain.c
HEADERS    = policy.h logno.h request.h config.h datafile.h datafile_int.h \
             geoip.h attrs_source.h metrics.h status.h checks.h
# pure/: parsers, tables, escaping, negotiation.  Compiled without httpd's
# include path, so that an httpd header there fails the build; C and APR
# (policy_model) and libmaxminddb (geoip_region) only.  Unit-tested and
# fuzzed on their own.
PURE_NAMES = userdb userdb_parse userdb_scan iplist region negotiate escape policy_model \
             geoip_region reason instant ldapdn origin metrics_table
PURE_SRC   = $(addprefix pure/,$(addsuffix .c,$(PURE_NAMES)))
PURE_OBJ   = $(addprefix build/pure/,$(addsuffix .o,$(PURE_NAMES)))
PURE_HDR   = $(wildcard pure/*.h)
# what a program that reads user files links
USERDB_SRC = pure/userdb.c pure/userdb_parse.c pure/userdb_scan.c \
             pure/instant.c
APR_CFLAGS = $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null)
APR_LIBS   = $(shell apr-1-config --link-ld --libs 2>/dev/null)
# The machine's multiarch include directory (maxminddb_config.h is there):
# asked, so that the build is not tied to amd64 (dpkg-architecture is
# dpkg-dev's; the compiler knows it too).  libFuzzer's runtime is named
# by the CPU.
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null \
                     || $(CC) -print-multiarch 2>/dev/null)
MULTIARCH_INC = $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))
FUZZER_RT = libclang_rt.fuzzer-$(firstword $(subst -, ,$(MULTIARCH))).a
# Extra compiler and linker flags, e.g. sanitizers:
# make EXTRA_CFLAGS=-fsanitize=address; debian/rules passes Debian's
# hardening flags through them.
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
VERSION    = $(shell sed -n 's/^\#define AUTHZ_POLICY_VERSION "\(.*\)"/\1/p' policy.h)

# Where make install puts things (DESTDIR for staged installs).
DESTDIR    ?=
MODULEDIR  ?= $(shell $(APXS) -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
APACHE_CONFDIR ?= /etc/apache2
DOCDIR     ?= /usr/local/share/doc/mod_authz_policy
BINDIR     ?= /usr/local/bin
MANDIR     ?= /usr/local/share/man

# Debian packages, by what needs them.  make deps-X installs group X and
# says why before it does.
#  build: the compiler, apxs and httpd's headers, libmaxminddb, libldap
#  (the library mod_ldap uses; apache2-dev brings it too)
BUILD_DEPS   = build-essential apache2-dev libmaxminddb-dev libldap-dev
#  demo: the build, and apache2 itself (htpasswd comes with it)
DEMO_DEPS    = $(BUILD_DEPS) apache2
#  test: the demo's, Apache::Test (mod_perl), an HTTP client, the MaxMind DB
#  writer, SQLite and PostgreSQL through mod_dbd, memcached,
#  mod_auth_openidc; redis-server for the fleet over Redis
#  (t/fleet_redis.t: mod_socache_redis comes with apache2); an OpenLDAP
#  server with its client tools (roles from LDAP groups: t/ldap.t starts
#  its own slapd and loads it with ldapadd)
TEST_DEPS    = $(DEMO_DEPS) libapache2-mod-perl2 libwww-perl curl \
               libmaxmind-db-writer-perl sqlite3 libaprutil1-dbd-sqlite3 \
               postgresql libaprutil1-dbd-pgsql memcached redis-server \
               libapache2-mod-auth-openidc slapd ldap-utils
#  bench: the test suite's, and wrk
BENCH_DEPS   = $(TEST_DEPS) wrk
#  package: the build, Debian's packaging tools and lintian; the package
#  test also needs apache2 and curl
PACKAGE_DEPS = $(BUILD_DEPS) debhelper dpkg-dev fakeroot lintian apache2 curl
# What each group does to the machine besides adding files.
DEPS_NOTE_build   = nothing else
DEPS_NOTE_demo    = Debian enables apache2.service, which starts a system apache2 on port 80 where services may start (the demo uses its own server on DEMO_PORT)
DEPS_NOTE_test    = the packages postgresql, memcached and redis-server are services that Debian starts and enables (redis-server.service; the tests start their own instances); slapd is answered "omit configuration" (debconf slapd/no_configuration), so it makes no directory and starts no system slapd (t/ldap.t starts its own); libapache2-mod-perl2 and libapache2-mod-auth-openidc enable themselves in /etc/apache2/mods-enabled
DEPS_NOTE_bench   = as for test
DEPS_NOTE_package = nothing else
DEB_PACKAGES = $(sort $(BENCH_DEPS) $(PACKAGE_DEPS))

.PHONY: FORCE all install uninstall clean deps deps-build deps-demo deps-test \
        deps-bench deps-package test unit-test unit-build server-test demo \
        demo-stop bench bench-start bench-hidden bench-instructions bench-parse test-asan \
        test-valgrind fuzz fuzz-deps fuzz-nightly soak deb test-package \
        mutate

all: mod_authz_policy.so build/authz-policy

# The module exports its module record and nothing else
# (-fvisibility=hidden; mod_authz_policy.c marks the record): httpd loads
# modules RTLD_GLOBAL, so every other exported name could stand in for, or
# be stood in for by, another module's function of the same name.  Calls
# inside the module are then direct, not through the PLT.
HIDDEN = -fvisibility=hidden
PURE_CC = $(CC) -std=gnu11 -fPIC -O2 -g $(HIDDEN) $(WARN) $(EXTRA_CFLAGS) \
          $(APR_CFLAGS) $(MULTIARCH_INC)
# the objects are built again when the flags change (a sanitizer build)
build/pure/flags: FORCE
	@mkdir -p build/pure
	@echo '$(PURE_CC)' | cmp -s - $@ || echo '$(PURE_CC)' >$@
build/pure/%.o: pure/%.c $(PURE_HDR) build/pure/flags
	$(PURE_CC) -c -o $@ $<
FORCE:

# Each httpd-facing file is compiled on its own (with the flags apxs would
# use), so that a change rebuilds one object, not the module: a mutant of
# make mutate builds in seconds.  apxs links them.
APXS_CC     := $(shell $(APXS) -q CC 2>/dev/null)
APXS_CFLAGS := $(foreach v,CFLAGS CPPFLAGS EXTRA_CPPFLAGS,$(shell $(APXS) -q $(v) 2>/dev/null)) \
               -I$(shell $(APXS) -q INCLUDEDIR 2>/dev/null) \
               -I$(shell $(APXS) -q APR_INCLUDEDIR 2>/dev/null) \
               -I$(shell $(APXS) -q APU_INCLUDEDIR 2>/dev/null)
MODULE_CC   = $(APXS_CC) $(APXS_CFLAGS) -std=gnu11 -fPIC -DPIC $(HIDDEN) $(WARN) \
              $(EXTRA_CFLAGS) -Ipure $(MULTIARCH_INC)
MODULE_OBJ  = $(addprefix build/mod/,$(MODULE_SRC:.c=.o))
build/mod/flags: FORCE
	@test -x "$(APXS)" || { echo "apxs not found: run 'make deps-build' (as root) first" >&2; exit 1; }
	@mkdir -p build/mod
	@echo '$(MODULE_CC)' | cmp -s - $@ || echo '$(MODULE_CC)' >$@
build/mod/%.o: %.c $(HEADERS) $(PURE_HDR) build/mod/flags
	@mkdir -p $(dir $@)
	@echo "cc $<"
	@$(MODULE_CC) -c -o $@ $<

mod_authz_policy.so: $(MODULE_OBJ) $(PURE_OBJ)
	@echo "apxs -c -o mod_authz_policy.so (link)"
	@$(APXS) -c -o mod_authz_policy.so \
	    $(foreach f,$(EXTRA_LDFLAGS),-Wl,$(f)) -lmaxminddb -lldap \
	    $(MODULE_OBJ) $(PURE_OBJ) >build/mod/link.log 2>&1 || { cat build/mod/link.log; exit 1; }
	@# by rename: a running server has the old file mapped
	@cp .libs/mod_authz_policy.so mod_authz_policy.so.new
	@mv -f mod_authz_policy.so.new mod_authz_policy.so

# authz-policy: checks data files with the module's own parsers (linked
# from pure/, with the unit tests' flags) and asks the explain handler.
TOOL_SRC = tools/authz-policy.c tools/explain_client.c tools/json.c \
           tools/usage.c
TOOL_HDR = tools/explain_client.h tools/json.h tools/usage.h
build/authz-policy: $(TOOL_SRC) $(TOOL_HDR) $(USERDB_SRC) pure/iplist.c $(PURE_HDR)
	@mkdir -p build
	$(CC) -std=gnu11 -O2 -g $(WARN) $(EXTRA_CFLAGS) -Ipure -Itools -o $@ \
	    $(TOOL_SRC) $(USERDB_SRC) pure/iplist.c $(EXTRA_LDFLAGS)

# The module, its a2enmod pair and the docs; enabling is a2enmod's job.
# Refuses to overwrite the Debian package's files.
DOCS = README.md CHANGES.md LICENSE docs/*.md
install: mod_authz_policy.so build/authz-policy
	@if dpkg-query -W -f='$${Status}' libapache2-mod-authz-policy 2>/dev/null | grep -q 'ok installed'; then \
	    echo "make install: the package libapache2-mod-authz-policy is installed; remove it first (apt-get remove libapache2-mod-authz-policy)" >&2; exit 1; fi
	install -d $(DESTDIR)$(MODULEDIR) $(DESTDIR)$(APACHE_CONFDIR)/mods-available \
	    $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 build/authz-policy $(DESTDIR)$(BINDIR)/authz-policy
	install -m 644 docs/authz-policy.1 $(DESTDIR)$(MANDIR)/man1/authz-policy.1
	install -m 644 mod_authz_policy.so $(DESTDIR)$(MODULEDIR)/mod_authz_policy.so
	install -m 644 conf/authz_policy.load conf/authz_policy.conf \
	    $(DESTDIR)$(APACHE_CONFDIR)/mods-available/
	install -m 644 README.md CHANGES.md LICENSE $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -m 644 conf/examples.conf $(DESTDIR)$(DOCDIR)/examples/
	@echo "installed; enable with: a2enmod authz_policy && apache2ctl configtest && systemctl restart apache2"

# Disables the module first: a mods-enabled link to a removed file would
# stop apache2 from starting.
uninstall:
	@if dpkg-query -W -f='$${Status}' libapache2-mod-authz-policy 2>/dev/null | grep -q 'ok installed'; then \
	    echo "make uninstall: the module comes from the package libapache2-mod-authz-policy: apt-get remove it instead" >&2; exit 1; fi
	@# -p: and forget it, so that a package installed later enables it again
	if [ -z "$(DESTDIR)" ] && [ -e $(APACHE_CONFDIR)/mods-available/authz_policy.load ]; then \
	    a2dismod -p -q authz_policy; fi
	rm -f $(DESTDIR)$(MODULEDIR)/mod_authz_policy.so \
	    $(DESTDIR)$(APACHE_CONFDIR)/mods-available/authz_policy.load \
	    $(DESTDIR)$(APACHE_CONFDIR)/mods-available/authz_policy.conf \
	    $(DESTDIR)$(BINDIR)/authz-policy $(DESTDIR)$(MANDIR)/man1/authz-policy.1
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "uninstalled; if apache2 runs: systemctl restart apache2"

# Installs the Debian packages a group needs that are missing (needs root),
# after saying which and why.  make deps: every group.
deps: deps-bench deps-package
deps-build deps-demo deps-test deps-bench deps-package: deps-%:
	@missing=""; for p in $($(shell echo $* | tr a-z A-Z)_DEPS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	        || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "make deps-$*: installing Debian packages for the $* step:$$missing"; \
	    echo "make deps-$*: besides adding files this changes: $(DEPS_NOTE_$*)"; \
	    case " $$missing " in *" slapd "*) \
	        echo "slapd slapd/no_configuration boolean true" | debconf-set-selections;; esac; \
	    flock /tmp/apt.lock sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends '"$$missing"; \
	fi

# --- Debian package ----------------------------------------------------
# Built, as Debian builds its libapache2-mod-* packages, from an upstream
# tarball and debian/: a copy of the files git knows (committed or not, ignored ones
# left out) in build/deb, where dpkg-buildpackage also writes its results;
# lintian fails the build on any error or warning that debian/ does not
# override with a reason.
DEB_BUILD = build/deb
DEB_SRC   = $(DEB_BUILD)/libapache2-mod-authz-policy-$(VERSION)
deb: deps-package
	rm -rf $(DEB_BUILD)
	mkdir -p $(DEB_SRC)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -co --exclude-standard | while IFS= read -r f; do \
	        [ -e "$$f" ] && printf '%s\0' "$$f"; done | tar --null -T - -cf - | tar -xf - -C $(DEB_SRC); \
	else \
	    tar --exclude=./build --exclude=./debian/.debhelper -cf - . | tar -xf - -C $(DEB_SRC); \
	fi
	@# the upstream tarball: the same files without debian/
	tar -C $(DEB_BUILD) --exclude=libapache2-mod-authz-policy-$(VERSION)/debian -cJf \
	    $(DEB_BUILD)/libapache2-mod-authz-policy_$(VERSION).orig.tar.xz libapache2-mod-authz-policy-$(VERSION)
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc >../build.log 2>&1 \
	    || { tail -40 ../build.log; echo "dpkg-buildpackage failed: $(DEB_BUILD)/build.log" >&2; exit 1; }
	lintian --fail-on error,warning --info --pedantic $(DEB_BUILD)/*.changes
	@echo "lintian: no error, no warning (overrides, each with its reason: debian/*lintian-overrides, debian/source/lintian-overrides)"
	@ls $(DEB_BUILD)/*.deb

# Installs the package into this machine's apache2, tries it on a server of
# its own (127.0.0.1:PACKAGE_TEST_PORT) and purges it; /etc/apache2 must be
# as before.  Leaves the machine as it found it, even when it fails.
test-package: deb
	bash t/package-test

# --- tests ---------------------------------------------------------------

UNIT_TESTS = t/unit/test_userdb t/unit/test_model t/unit/test_negotiate \
             t/unit/test_escape t/unit/test_iplist t/unit/test_region \
             t/unit/test_reason t/unit/test_instant t/unit/test_ldapdn \
             t/unit/test_origin t/unit/test_metrics_table

# each unit test links the pure files it tests (built for it, with the
# same flags, so that EXTRA_CFLAGS' sanitizers reach them)
UNIT_CC = $(CC) -std=gnu11 -g -O1 $(WARN) $(EXTRA_CFLAGS) -Ipure
t/unit/test_userdb: t/unit/test_userdb.c $(USERDB_SRC) $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< $(USERDB_SRC)
t/unit/test_instant: t/unit/test_instant.c pure/instant.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/instant.c
t/unit/test_model: t/unit/test_model.c pure/policy_model.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) $(APR_CFLAGS) -o $@ $< pure/policy_model.c $(APR_LIBS)
t/unit/test_negotiate: t/unit/test_negotiate.c pure/negotiate.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/negotiate.c
t/unit/test_escape: t/unit/test_escape.c pure/escape.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/escape.c
t/unit/test_iplist: t/unit/test_iplist.c pure/iplist.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/iplist.c
t/unit/test_region: t/unit/test_region.c pure/region.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/region.c
t/unit/test_reason: t/unit/test_reason.c pure/reason.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/reason.c
t/unit/test_ldapdn: t/unit/test_ldapdn.c pure/ldapdn.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/ldapdn.c
t/unit/test_origin: t/unit/test_origin.c pure/origin.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/origin.c

t/unit/test_metrics_table: t/unit/test_metrics_table.c pure/metrics_table.c pure/escape.c $(PURE_HDR) t/unit/unit.h
	$(UNIT_CC) -o $@ $< pure/metrics_table.c pure/escape.c

unit-test: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do ./$$t || exit 1; done

# Only builds them (t/run-valgrind: the harness's wrappers run them).
unit-build: $(UNIT_TESTS)

# The Apache::Test suite against a real apache2 on loopback.
server-test: mod_authz_policy.so build/authz-policy $(UNIT_TESTS)
	cd t && { perl TEST -clean >/dev/null 2>&1; perl TEST $(TEST_FILES); }

test: deps-test
	$(MAKE) all
	$(MAKE) unit-test server-test

# Every test with ASan + UBSan (in build/asan, on port 8539).
test-asan: deps-test
	bash t/run-sanitizers

# The suite's requests against one apache2 -X under valgrind memcheck, with
# leak checking.  VALGRIND_TESTS: only these test files (CI runs a subset).
VALGRIND_TESTS ?=
test-valgrind: deps-test
	bash t/run-valgrind $(VALGRIND_TESTS)

# Mutations of the module that the tests must catch: t/mutate/mutations.txt,
# each applied alone to a copy in build/mutate (server on MUTATE_PORT,
# default 8569).  make mutate MUTATE_ARGS="--only iplist"
mutate: deps
	perl t/mutate/run $(MUTATE_ARGS)

# --- fuzzing -----------------------------------------------------------------
# libFuzzer targets; seeds in t/fuzz/corpus/<target>, new inputs and crashes
# in build/fuzz.  Every target checks answers against a naive reference
# (see the comment at the top of each t/fuzz/fuzz_*.c).
#   make fuzz                  FUZZ_SECONDS each (default 60)
#   make fuzz FUZZ_SECONDS=10  CI's smoke
#   make fuzz-nightly          an hour each (FUZZ_NIGHTLY_SECONDS)
FUZZ_SECONDS ?= 60
FUZZ_NIGHTLY_SECONDS ?= 3600
FUZZ_TARGETS  = userdb userdb_flood negotiate escape iplist region geoip \
                policy_model ldapdn origin metrics_table
# -fno-inline and the ignore list keep iplist's 65,537-bucket index loops
# out of comparison tracing, which cost most of each run
FUZZ_FLAGS    = -g -O1 -fno-inline -fsanitize=fuzzer,address,undefined \
                -fsanitize-coverage-ignorelist=t/fuzz/coverage-ignore.txt \
                -fno-sanitize-recover=all -Ipure

# each target fuzzes the parser of the same name: fuzz_X.c with X.c
build/fuzz/fuzz_%: t/fuzz/fuzz_%.c pure/%.c pure/%.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_$*.c pure/$*.c

# the user file: parsed in userdb_parse.c, read in userdb.c; its values'
# expiry instants are read by instant.c
build/fuzz/fuzz_userdb: t/fuzz/fuzz_userdb.c $(USERDB_SRC) pure/userdb.h \
                        pure/userdb_image.h pure/instant.h \
                        t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_userdb.c $(USERDB_SRC)

# the user file's index under names built to collide (-timeout: a parse
# that is not near linear is a hang)
build/fuzz/fuzz_userdb_flood: t/fuzz/fuzz_userdb_flood.c $(USERDB_SRC) \
                              pure/userdb.h pure/userdb_image.h pure/siphash.h \
                              t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_userdb_flood.c $(USERDB_SRC)

# MaxMind DB files: libmaxminddb and the module's pure wrapper around it
build/fuzz/fuzz_geoip: t/fuzz/fuzz_geoip.c pure/geoip_region.c pure/geoip_region.h \
                       pure/region.c pure/region.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) $(MULTIARCH_INC) -o $@ \
	    t/fuzz/fuzz_geoip.c pure/geoip_region.c pure/region.c -lmaxminddb

# Prometheus label escaping: with the UTF-8 decoder of escape.c
build/fuzz/fuzz_metrics_table: t/fuzz/fuzz_metrics_table.c pure/metrics_table.c \
                               pure/metrics_table.h pure/escape.c t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) -o $@ t/fuzz/fuzz_metrics_table.c pure/metrics_table.c pure/escape.c

# role inheritance and plans: APR, no httpd
build/fuzz/fuzz_policy_model: t/fuzz/fuzz_policy_model.c pure/policy_model.c \
                              pure/policy_model.h t/fuzz/coverage-ignore.txt
	@mkdir -p build/fuzz
	clang $(FUZZ_FLAGS) $(APR_CFLAGS) -o $@ t/fuzz/fuzz_policy_model.c \
	    pure/policy_model.c $(APR_LIBS)

fuzz-deps:
	@command -v clang >/dev/null && test -n "$$(clang -print-file-name=$(FUZZER_RT) | grep /)" \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -qq clang libclang-rt-14-dev; }
	@command -v clang >/dev/null || { echo "fuzz: clang is missing (Debian packages clang, libclang-rt-14-dev)" >&2; exit 1; }
	@test -n "$$(clang -print-file-name=$(FUZZER_RT) | grep /)" \
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
soak: deps-bench
	$(MAKE) all
	@command -v wrk >/dev/null || { echo "soak: wrk is missing (Debian package wrk)" >&2; exit 1; }
	perl t/soak/soak.pl --seconds $(SOAK_SECONDS) --min-reloads $(SOAK_RELOADS) \
	    $(if $(filter 0,$(SOAK_MEMORY)),--no-memory-check)

# --- benchmark -------------------------------------------------------------
# make bench BENCH_ARGS="--duration 10 --rounds 5 --only role-1m"
bench: deps-bench
	$(MAKE) all
	perl bench/bench.pl $(BENCH_ARGS)

# Start and graceful restart with bench.pl's 1,000,000-user file and
# 1,000,000-network list (port 8533; make bench-start BENCH_ARGS="--rounds
# 9 --so old/mod_authz_policy.so" to compare another build).
bench-start: deps-bench
	$(MAKE) all
	perl bench/startup.pl $(BENCH_ARGS)

# Hidden denials against missing paths: median times, bcrypt cost 10
# (port 8545; make bench-hidden BENCH_ARGS="--requests 500 --port 8546").
bench-hidden: deps
	$(MAKE) all
	perl bench/hidden-timing.pl $(BENCH_ARGS)

# Instructions per request under callgrind: repeatable where req/s is not.
bench-instructions: deps-bench
	$(MAKE) all
	@test -e bench/out/httpd.conf || perl bench/bench.pl --rounds 1 --duration 1
	perl bench/instructions.pl $(BENCH_ARGS)

# What crafted user files cost the parser: names that collide under FNV-1a
# against random ones (time, bar 3x) and the image and parse peak of a
# 16 MB file of short names against the documented bound (bench/parse.c).
# make bench-parse BENCH_ARGS="--count 65536 --bytes 1M"
build/bench-parse: bench/parse.c $(USERDB_SRC) $(PURE_HDR)
	@mkdir -p build
	$(CC) -std=gnu11 -O2 -g $(WARN) $(EXTRA_CFLAGS) -Ipure -o $@ \
	    bench/parse.c $(USERDB_SRC) $(EXTRA_LDFLAGS)
bench-parse: build/bench-parse
	./build/bench-parse $(BENCH_ARGS)

# --- demo ----------------------------------------------------------------

demo: deps-demo
	$(MAKE) all
	sh conf/demo.sh start

demo-stop:
	sh conf/demo.sh stop

clean:
	rm -rf debian/.debhelper debian/libapache2-mod-authz-policy debian/files \
	    debian/*.substvars debian/*.debhelper.log debian/debhelper-build-stamp
	rm -rf .libs *.o *.lo *.la *.slo mod_authz_policy.so $(UNIT_TESTS) build
	-cd t && perl TEST -clean >/dev/null 2>&1 || true
