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

# Shell tests find built programs and sources through these.
AM_TESTS_ENVIRONMENT = VR_BUILDDIR='$(abs_top_builddir)'; VR_SRCDIR='$(abs_top_srcdir)'; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/support/lsan.supp:$${LSAN_OPTIONS-}"; \
	export VR_BUILDDIR VR_SRCDIR LSAN_OPTIONS;

EXTRA_DIST += tests/support/lsan.supp

# The design document and every source citation of it.
TESTS += tests/doc-refs.sh
check_SCRIPTS += tests/doc-refs.sh
EXTRA_DIST += tests/doc-refs.sh doc/design.md
# packages.txt covers every command the scripts and make rules run (a fresh
# machine has nothing else): tests/support/commands.txt maps them.
TESTS += tests/packages-cover.py
EXTRA_DIST += tests/packages-cover.py tests/support/commands.txt tests/support/vpath-srcdir tests/support/other-release
