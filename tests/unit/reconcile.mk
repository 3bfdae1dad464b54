# SPDX-License-Identifier: MIT
# Unit tests (cmocka, pure logic) of the plan and the read path: reconcile,
# RMID fairness between domains, the threads this run wrote into its groups,
# series identifiers, group health, problems and their notifications, the published live set,
# desired groups (vCPUs sharing one thread too), counters carried across
# resets, host context sums, the kernel's per-thread view, ABMC counter
# decisions, the metric table, dispatch, the host context, live groups,
# the checked mutex of the engine's locks and the live set's board lock;
# the name formats (HostnameFormat, PluginInstanceFormat) and the XPath
# value of their metadata field.
# A new test is two lines: its name here and its _CPPFLAGS (tests/local.mk
# says why).
UNIT_TESTS += tests/unit/test_reconcile tests/unit/test_series \
	tests/unit/test_group_health tests/unit/test_live_set \
	tests/unit/test_desired tests/unit/test_desired_shared \
	tests/unit/test_counter_carry tests/unit/test_host_sum \
	tests/unit/test_thread_view tests/unit/test_mbm_assign \
	tests/unit/test_metric_table tests/unit/test_dispatch \
	tests/unit/test_host_context tests/unit/test_live_group \
	tests/unit/test_vr_lock tests/unit/test_problems \
	tests/unit/test_name_format tests/unit/test_name_metadata \
	tests/unit/test_rmid_share tests/unit/test_written_tids
tests_unit_test_reconcile_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_series_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_group_health_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_live_set_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_desired_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_desired_shared_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_counter_carry_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_host_sum_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_thread_view_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_mbm_assign_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_metric_table_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_dispatch_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_host_context_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_live_group_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_vr_lock_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_problems_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_name_format_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_name_metadata_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_rmid_share_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_written_tids_CPPFLAGS = $(UNIT_TEST_CPP)

# The live set's read pass runs in its own thread.
tests_unit_test_live_set_LDADD = $(LDADD) -lpthread
# The lock test holds its lock in a second thread too.
tests_unit_test_vr_lock_LDADD = $(LDADD) -lpthread
# Live groups read real files: a fixture tree (tests/support).
tests_unit_test_live_group_SOURCES = tests/unit/test_live_group.c \
	$(RESCTRL_TESTLIB)
