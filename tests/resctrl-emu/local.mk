# SPDX-License-Identifier: MIT
# the resctrl emulator and its own tests (doc/design.md, "resctrl rules")
# A check program: make check and make bench build it (the plugin's
# integration tests and the benches mount it), plain make does not, so that
# an operator's build needs no fuse3. The demo builds it by name.
check_PROGRAMS += tests/resctrl-emu/resctrl-emu
tests_resctrl_emu_resctrl_emu_SOURCES = \
	tests/resctrl-emu/emu_main.c \
	tests/resctrl-emu/emu_fs.c tests/resctrl-emu/emu_fs.h \
	tests/resctrl-emu/emu_nodes.c tests/resctrl-emu/emu_nodes.h \
	tests/resctrl-emu/emu_model.c tests/resctrl-emu/emu_model.h \
	tests/resctrl-emu/emu_tasks.c tests/resctrl-emu/emu_control.c \
	tests/resctrl-emu/emu_channel.c tests/resctrl-emu/emu_domains.c \
	tests/resctrl-emu/emu_perf_pkg.c \
	tests/resctrl-emu/emu_abmc.c
tests_resctrl_emu_resctrl_emu_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_resctrl_emu_resctrl_emu_LDADD = $(FUSE3_LIBS) -lpthread

# Its own tests: shell scripts driving a mounted emulator through emu-fdtool
# (exact errnos, pread on a kept fd).
check_PROGRAMS += tests/resctrl-emu/emu-fdtool
tests_resctrl_emu_emu_fdtool_SOURCES = tests/resctrl-emu/emu_fdtool.c
# No library: the kernel bed copies it into guests that have none.
tests_resctrl_emu_emu_fdtool_LDADD =
EMU_TESTS = \
	tests/resctrl-emu/test-groups.sh \
	tests/resctrl-emu/test-tasks.sh \
	tests/resctrl-emu/test-mondata.sh \
	tests/resctrl-emu/test-lifecycle.sh \
	tests/resctrl-emu/test-rules.sh \
	tests/resctrl-emu/test-domains.sh \
	tests/resctrl-emu/test-snc.sh \
	tests/resctrl-emu/test-perf-pkg.sh \
	tests/resctrl-emu/test-abmc.sh
TESTS += $(EMU_TESTS)
EXTRA_DIST += $(EMU_TESTS) tests/resctrl-emu/emu-lib.sh \
	tests/support/rules-cases.sh

# The model alone, with a fake host and clock (tid reuse, limbo timing).
check_PROGRAMS += tests/resctrl-emu/test_emu_model
tests_resctrl_emu_test_emu_model_SOURCES = \
	tests/resctrl-emu/test_emu_model.c \
	tests/resctrl-emu/emu_model.c tests/resctrl-emu/emu_tasks.c \
	tests/resctrl-emu/emu_domains.c tests/resctrl-emu/emu_abmc.c
tests_resctrl_emu_test_emu_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_resctrl_emu_test_emu_model_LDADD = $(CMOCKA_LIBS)
TESTS += tests/resctrl-emu/test_emu_model
