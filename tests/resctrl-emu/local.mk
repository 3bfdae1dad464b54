# the resctrl emulator and its own tests (issue 4)
# A noinst program so that plain `make` builds it: the demo and the plugin's
# integration tests mount it too.
noinst_PROGRAMS += tests/resctrl-emu/resctrl-emu
tests_resctrl_emu_resctrl_emu_SOURCES = \
	tests/resctrl-emu/emu_main.c \
	tests/resctrl-emu/emu_fs.c tests/resctrl-emu/emu_fs.h \
	tests/resctrl-emu/emu_nodes.c tests/resctrl-emu/emu_nodes.h \
	tests/resctrl-emu/emu_model.c tests/resctrl-emu/emu_model.h \
	tests/resctrl-emu/emu_tasks.c tests/resctrl-emu/emu_control.c \
	tests/resctrl-emu/emu_channel.c
tests_resctrl_emu_resctrl_emu_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
tests_resctrl_emu_resctrl_emu_LDADD = $(FUSE3_LIBS) -lpthread

# Its own tests: shell scripts driving a mounted emulator through emu-fdtool
# (exact errnos, pread on a kept fd).
check_PROGRAMS += tests/resctrl-emu/emu-fdtool
tests_resctrl_emu_emu_fdtool_SOURCES = tests/resctrl-emu/emu_fdtool.c
EMU_TESTS = \
	tests/resctrl-emu/test-groups.sh \
	tests/resctrl-emu/test-tasks.sh
TESTS += $(EMU_TESTS)
EXTRA_DIST += $(EMU_TESTS) tests/resctrl-emu/emu-lib.sh
