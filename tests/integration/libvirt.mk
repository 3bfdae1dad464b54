# SPDX-License-Identifier: MIT
# libvirt module against a real libvirtd (doc/design.md, "Data flow")
check_PROGRAMS += tests/integration/test_libvirt_pure \
	tests/integration/test_libvirt_live
TESTS += tests/integration/test_libvirt_pure tests/integration/libvirt-live.sh
check_SCRIPTS += tests/integration/libvirt-live.sh
EXTRA_DIST += tests/integration/libvirt-live.sh tests/support/libvirtd-env.sh

tests_integration_test_libvirt_pure_SOURCES = \
	tests/integration/test_libvirt_pure.c $(RESCTRL_TESTLIB)
tests_integration_test_libvirt_pure_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_test_libvirt_pure_LDADD = $(UNIT_TEST_LIBS)

tests_integration_test_libvirt_live_SOURCES = \
	tests/integration/test_libvirt_live.c
tests_integration_test_libvirt_live_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_test_libvirt_live_LDADD = $(UNIT_TEST_LIBS) -lpthread

# libvirt's own monitor groups (doc/design.md, "libvirt's own monitors"): a
# harness that makes them through libvirt's exported resctrl functions, and
# its name check.
check_PROGRAMS += tests/integration/lv-resctrl-harness
tests_integration_lv_resctrl_harness_SOURCES = \
	tests/integration/lv_resctrl_harness.c
tests_integration_lv_resctrl_harness_CPPFLAGS = $(UNIT_TEST_CPP)
tests_integration_lv_resctrl_harness_LDADD = src/libvrcore.la $(LIBVIRT_LIBS)
TESTS += tests/integration/libvirt-names.sh
check_SCRIPTS += tests/integration/libvirt-names.sh
EXTRA_DIST += tests/integration/libvirt-names.sh tests/integration/check-libvirt-private-api
# lv_stop stops the daemons it started by SIGTERM and never mistakes libvirt's driver.pid for a guest
TESTS += tests/integration/libvirtd-env-stop.sh
check_SCRIPTS += tests/integration/libvirtd-env-stop.sh
EXTRA_DIST += tests/integration/libvirtd-env-stop.sh
