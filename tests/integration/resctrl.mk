# SPDX-License-Identifier: MIT
# resctrl module against fixture trees and the emulator
# (doc/design.md, "resctrl rules"), plus the unit tests of its parsers.
RESCTRL_TESTLIB = tests/support/resctrl_testlib.c tests/support/resctrl_testlib.h

UNIT_TESTS += tests/unit/test_resctrl_parse
tests_unit_test_resctrl_parse_CPPFLAGS = $(UNIT_TEST_CPP)

check_PROGRAMS += tests/integration/test_resctrl_fixture
tests_integration_test_resctrl_fixture_SOURCES = \
	tests/integration/test_resctrl_fixture.c $(RESCTRL_TESTLIB)
tests_integration_test_resctrl_fixture_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_test_resctrl_fixture_LDADD = $(UNIT_TEST_LIBS)

TESTS += tests/integration/resctrl_fixture.sh
EXTRA_DIST += tests/integration/resctrl_fixture.sh tests/support/resctrl_tmp.sh

check_PROGRAMS += tests/integration/test_resctrl_emu
tests_integration_test_resctrl_emu_SOURCES = \
	tests/integration/test_resctrl_emu.c $(RESCTRL_TESTLIB)
tests_integration_test_resctrl_emu_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_test_resctrl_emu_LDADD = $(UNIT_TEST_LIBS)
TESTS += tests/integration/resctrl_emu.sh
EXTRA_DIST += tests/integration/resctrl_emu.sh

check_PROGRAMS += tests/integration/resctrl_readloop
tests_integration_resctrl_readloop_SOURCES = tests/integration/resctrl_readloop.c
tests_integration_resctrl_readloop_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_resctrl_readloop_LDADD = $(UNIT_TEST_LIBS)
TESTS += tests/integration/resctrl_syscalls.sh
EXTRA_DIST += tests/integration/resctrl_syscalls.sh
