# SPDX-License-Identifier: MIT
# Shared test support, and the unit tests (cmocka, pure logic). The bench
# programs link it too; both are built by make check / make bench only.
check_LTLIBRARIES += tests/support/libvrtest.la
tests_support_libvrtest_la_SOURCES = \
	tests/support/collectd_shim.c tests/support/collectd_shim.h \
	tests/support/collectd_sink.c
tests_support_libvrtest_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS)

UNIT_TEST_CPP = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) $(LIBVIRT_CFLAGS) \
	$(LIBXML_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/support
UNIT_TEST_LIBS = src/libvrcore.la tests/support/libvrtest.la $(CMOCKA_LIBS)

# The unit tests: tests/unit/*.mk add each one's name to UNIT_TESTS and
# set its _CPPFLAGS to UNIT_TEST_CPP (automake wants per-program flags
# written out, and AM_CPPFLAGS is the plugin's too); its source is
# <name>.c (automake's default) and its libraries the default LDADD. Every
# other program sets its own _LDADD or _LIBADD.
UNIT_TESTS =
LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

# Shell tests find built programs and sources through these.
AM_TESTS_ENVIRONMENT = VR_BUILDDIR='$(abs_top_builddir)'; VR_SRCDIR='$(abs_top_srcdir)'; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/support/lsan.supp:$${LSAN_OPTIONS-}"; \
	export VR_BUILDDIR VR_SRCDIR LSAN_OPTIONS;

EXTRA_DIST += tests/support/lsan.supp tests/README.md

# The floor plan of src/: layers include only downwards, pure modules reach
# no libvirt or collectd header, no file is over 450 lines.
TESTS += tests/layers.py
check_SCRIPTS += tests/layers.py
EXTRA_DIST += tests/layers.py

# The design document and every source citation of it.
TESTS += tests/doc-refs.sh
check_SCRIPTS += tests/doc-refs.sh
EXTRA_DIST += tests/doc-refs.sh doc/design.md
# Every source file of ours carries its SPDX licence line.
TESTS += tests/spdx-lines.sh
check_SCRIPTS += tests/spdx-lines.sh
EXTRA_DIST += tests/spdx-lines.sh
# Every relative link in README.md and doc/*.md resolves, anchors included.
TESTS += tests/doc-links.sh
check_SCRIPTS += tests/doc-links.sh
EXTRA_DIST += tests/doc-links.sh doc/demo.png doc/operator-guide.md doc/kernels.md \
	doc/reliability.md doc/performance.md doc/development.md doc/prometheus.md \
	doc/fleet.md doc/security.md
# The keys and value names of README.md, the man page and collectd.conf.example
# against those the code has (vr_config.c, the metric table).
TESTS += tests/doc-keys.py
check_SCRIPTS += tests/doc-keys.py
EXTRA_DIST += tests/doc-keys.py
# packages.txt covers every command the scripts and make rules run (a fresh
# machine has nothing else): tests/support/commands.txt maps them.
TESTS += tests/packages-cover.py
EXTRA_DIST += tests/packages-cover.py tests/support/commands.txt tests/support/vpath-srcdir tests/support/other-release
