# SPDX-License-Identifier: MIT
# Unit tests of the metadata spec and what the plan reads from it: cpuset,
# group spec, config, resctrl names, whole-VM groups, libvirt's own resctrl
# group names and monitors, virt-resmon stats' domstats view.
UNIT_TESTS += tests/unit/test_cpuset tests/unit/test_group_spec \
	tests/unit/test_config tests/unit/test_resctrl_name \
	tests/unit/test_whole_vm tests/unit/test_libvirt_groups \
	tests/unit/test_libvirt_monitors tests/unit/test_domstats
tests_unit_test_cpuset_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_group_spec_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_config_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_resctrl_name_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_whole_vm_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_libvirt_groups_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_libvirt_monitors_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_domstats_CPPFLAGS = $(UNIT_TEST_CPP)
