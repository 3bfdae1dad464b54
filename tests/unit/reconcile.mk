# SPDX-License-Identifier: MIT
# unit tests: reconcile, series identifiers, group health notifications,
# the published live set, desired groups
check_PROGRAMS += tests/unit/test_reconcile tests/unit/test_series \
	tests/unit/test_group_health tests/unit/test_live_set \
	tests/unit/test_desired
TESTS += tests/unit/test_reconcile tests/unit/test_series \
	tests/unit/test_group_health tests/unit/test_live_set \
	tests/unit/test_desired

tests_unit_test_reconcile_SOURCES = tests/unit/test_reconcile.c
tests_unit_test_reconcile_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_reconcile_LDADD = $(UNIT_TEST_LIBS)

tests_unit_test_series_SOURCES = tests/unit/test_series.c
tests_unit_test_series_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_series_LDADD = $(UNIT_TEST_LIBS)

tests_unit_test_group_health_SOURCES = tests/unit/test_group_health.c
tests_unit_test_group_health_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_group_health_LDADD = $(UNIT_TEST_LIBS)

tests_unit_test_live_set_SOURCES = tests/unit/test_live_set.c
tests_unit_test_live_set_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_live_set_LDADD = $(UNIT_TEST_LIBS) -lpthread

tests_unit_test_desired_SOURCES = tests/unit/test_desired.c
tests_unit_test_desired_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_desired_LDADD = $(UNIT_TEST_LIBS)

# vCPUs that share one thread (round-robin TCG,
# doc/design.md, "Thread placement")
check_PROGRAMS += tests/unit/test_desired_shared
TESTS += tests/unit/test_desired_shared
tests_unit_test_desired_shared_SOURCES = tests/unit/test_desired_shared.c
tests_unit_test_desired_shared_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_desired_shared_LDADD = $(UNIT_TEST_LIBS)

# counters carried across resets (counter_carry.h,
# doc/design.md, "Counter resets")
check_PROGRAMS += tests/unit/test_counter_carry
TESTS += tests/unit/test_counter_carry
tests_unit_test_counter_carry_SOURCES = tests/unit/test_counter_carry.c
tests_unit_test_counter_carry_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_counter_carry_LDADD = $(UNIT_TEST_LIBS)
# host context sums (host_sum.h, doc/design.md, "Host context")
check_PROGRAMS += tests/unit/test_host_sum
TESTS += tests/unit/test_host_sum
tests_unit_test_host_sum_SOURCES = tests/unit/test_host_sum.c
tests_unit_test_host_sum_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_host_sum_LDADD = $(UNIT_TEST_LIBS)

# the kernel's per-thread view (thread_view.h,
# doc/design.md, "Thread placement")
check_PROGRAMS += tests/unit/test_thread_view
TESTS += tests/unit/test_thread_view
tests_unit_test_thread_view_SOURCES = tests/unit/test_thread_view.c
tests_unit_test_thread_view_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_thread_view_LDADD = $(UNIT_TEST_LIBS)
# who gets an ABMC counter (mbm_assign.h,
# doc/design.md, "ABMC counters")
check_PROGRAMS += tests/unit/test_mbm_assign
TESTS += tests/unit/test_mbm_assign
tests_unit_test_mbm_assign_SOURCES = tests/unit/test_mbm_assign.c
tests_unit_test_mbm_assign_CPPFLAGS = $(UNIT_TEST_CPP)
tests_unit_test_mbm_assign_LDADD = $(UNIT_TEST_LIBS)
