# SPDX-License-Identifier: MIT
# reliability: soak, valgrind, hostile resctrl tree
# (doc/design.md, "Faults and hostile input")
check_PROGRAMS += tests/reliability/soak-engine
tests_reliability_soak_engine_SOURCES = tests/reliability/soak-engine.c
tests_reliability_soak_engine_CPPFLAGS = $(UNIT_TEST_CPP) -I$(top_srcdir)/tests/reliability
tests_reliability_soak_engine_LDADD = src/libvrcore.la tests/support/libvrtest.la \
	$(LIBVIRT_LIBS) -lpthread

TESTS += tests/reliability/soak-engine.sh
EXTRA_DIST += tests/reliability/soak-engine.sh
TESTS += tests/reliability/valgrind-collectd.sh tests/reliability/hostile-tree.sh
EXTRA_DIST += tests/reliability/valgrind-collectd.sh tests/reliability/hostile-tree.sh
