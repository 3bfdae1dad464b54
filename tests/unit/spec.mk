# SPDX-License-Identifier: MIT
# unit tests: metadata spec, cpuset, config
UNIT_SPEC_TESTS = tests/unit/test_cpuset tests/unit/test_group_spec \
	tests/unit/test_config tests/unit/test_resctrl_name
check_PROGRAMS += $(UNIT_SPEC_TESTS)
TESTS += $(UNIT_SPEC_TESTS)

tests_unit_test_cpuset_SOURCES = tests/unit/test_cpuset.c
tests_unit_test_cpuset_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_cpuset_LDADD = $(UNIT_TEST_LIBS)
tests_unit_test_group_spec_SOURCES = tests/unit/test_group_spec.c
tests_unit_test_group_spec_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_group_spec_LDADD = $(UNIT_TEST_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_config_LDADD = $(UNIT_TEST_LIBS)
tests_unit_test_resctrl_name_SOURCES = tests/unit/test_resctrl_name.c
tests_unit_test_resctrl_name_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_resctrl_name_LDADD = $(UNIT_TEST_LIBS)
# whole-VM groups (doc/design.md, "Metadata"): emulator/iothreads metadata,
# DefaultGroup vm, thread classification, desired threads
check_PROGRAMS += tests/unit/test_whole_vm
TESTS += tests/unit/test_whole_vm
tests_unit_test_whole_vm_SOURCES = tests/unit/test_whole_vm.c
tests_unit_test_whole_vm_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_whole_vm_LDADD = $(UNIT_TEST_LIBS)
# libvirt's own resctrl group names
# (doc/design.md, "libvirt's own monitors")
check_PROGRAMS += tests/unit/test_libvirt_groups
TESTS += tests/unit/test_libvirt_groups
tests_unit_test_libvirt_groups_SOURCES = tests/unit/test_libvirt_groups.c
tests_unit_test_libvirt_groups_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_libvirt_groups_LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += tests/unit/test_libvirt_monitors
TESTS += tests/unit/test_libvirt_monitors
tests_unit_test_libvirt_monitors_SOURCES = tests/unit/test_libvirt_monitors.c
tests_unit_test_libvirt_monitors_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_libvirt_monitors_LDADD = $(UNIT_TEST_LIBS)
# virt-resmon stats' domstats view (doc/design.md, "Module map")
check_PROGRAMS += tests/unit/test_domstats
TESTS += tests/unit/test_domstats
tests_unit_test_domstats_SOURCES = tests/unit/test_domstats.c
tests_unit_test_domstats_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_domstats_LDADD = $(UNIT_TEST_LIBS)
