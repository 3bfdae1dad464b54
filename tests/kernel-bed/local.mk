# SPDX-License-Identifier: MIT
# The real-kernel test bed: Debian kernels in a QEMU TCG guest
# whose CPU emulates Intel RDT (qemu-rdt.patch).  `make check-kernel` runs
# the kernel-side tests on every kernel of kernels.conf.
check_PROGRAMS += tests/kernel-bed/kbed-load
tests_kernel_bed_kbed_load_SOURCES = tests/kernel-bed/kbed_load.c
tests_kernel_bed_kbed_load_LDADD = -lpthread

KERNEL_BED_FILES = tests/kernel-bed/bed-lib.sh tests/kernel-bed/build-qemu \
	tests/kernel-bed/fetch-kernel tests/kernel-bed/guest-init \
	tests/kernel-bed/run-in-guest tests/kernel-bed/run-all-kernels \
	tests/kernel-bed/guest-suites \
	tests/kernel-bed/rules-kernel.sh tests/kernel-bed/e2e-plugin.sh \
	tests/kernel-bed/proc-view.sh \
	tests/kernel-bed/kernels.conf tests/kernel-bed/boot-stats \
	tests/kernel-bed/qemu-rdt.patch tests/kernel-bed/qemu-devices.mak \
	tests/kernel-bed/packages.txt
EXTRA_DIST += $(KERNEL_BED_FILES)

# Builds what the guest runs (it sees this build tree read-only), then the
# bed's tests on each kernel; KERNELS="6.1 6.12" narrows the list.
check-kernel: tests/kernel-bed/kbed-load tests/kernel-bed/test_resctrl_kernel \
		tests/kernel-bed/kbed-state \
		tests/resctrl-emu/emu-fdtool $(collectd_plugin_LTLIBRARIES)
	VR_BUILDDIR='$(abs_top_builddir)' VR_SRCDIR='$(abs_top_srcdir)' \
	  $(abs_top_srcdir)/tests/kernel-bed/run-all-kernels $(KERNELS)
.PHONY: check-kernel

# The resctrl module against the kernel's resctrl (run in the guest).
check_PROGRAMS += tests/kernel-bed/test_resctrl_kernel
tests_kernel_bed_test_resctrl_kernel_SOURCES = \
	tests/kernel-bed/test_resctrl_kernel.c $(RESCTRL_TESTLIB)
tests_kernel_bed_test_resctrl_kernel_CPPFLAGS = $(UNIT_TEST_CPP)
tests_kernel_bed_test_resctrl_kernel_LDADD = $(UNIT_TEST_LIBS)

# The two ways of reading task placement, compared and counted in the guest
# (proc-view.sh; doc/design.md, "resctrl rules", Task model).
check_PROGRAMS += tests/kernel-bed/kbed-state
tests_kernel_bed_kbed_state_SOURCES = tests/kernel-bed/kbed_state.c
tests_kernel_bed_kbed_state_CPPFLAGS = $(UNIT_TEST_CPP)
tests_kernel_bed_kbed_state_LDADD = $(UNIT_TEST_LIBS)
