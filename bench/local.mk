# SPDX-License-Identifier: MIT
# make bench (doc/design.md, "Benchmarks"): the plugin's read path against
# its floor, scaling, memory and event latency. The programs are check
# programs, so that make check (and CI) compiles them while plain make does
# not; `make bench` builds them and runs the runner script, as root.
check_PROGRAMS += bench/vr-bench-read bench/vr-bench-events
BENCH_CPP = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS) \
	-I$(top_srcdir)/tests/support
# collectd's functions come from the tests' counting stand-in.
BENCH_SHIM = bench/bench_stats.c bench/bench_stats.h
# A counting malloc (allocations per read cycle, heap per group): only in
# the programs that print those, so that the others keep libc's as it is.
BENCH_ALLOC = bench/bench_alloc.c bench/bench_alloc.h

bench_vr_bench_read_SOURCES = bench/bench_read.c $(BENCH_SHIM) $(BENCH_ALLOC)
bench_vr_bench_read_CPPFLAGS = $(BENCH_CPP)
bench_vr_bench_read_LDADD = src/libvrcore.la tests/support/libvrtest.la

bench_vr_bench_events_SOURCES = bench/bench_events.c $(BENCH_SHIM) $(BENCH_ALLOC)
bench_vr_bench_events_CPPFLAGS = $(BENCH_CPP)
bench_vr_bench_events_LDADD = src/libvrcore.la tests/support/libvrtest.la $(LIBVIRT_LIBS)

EXTRA_DIST += bench/run-bench.sh bench/resctrl-tree.sh

# make bench-scale (doc/design.md, "Benchmarks"): the resync path at 50 /
# 200 / 500 domains, its own target so that make bench stays short.
check_PROGRAMS += bench/vr-bench-scale bench/vr-bench-threads
bench_vr_bench_scale_SOURCES = bench/bench_scale.c $(BENCH_SHIM)
bench_vr_bench_scale_CPPFLAGS = $(BENCH_CPP)
bench_vr_bench_scale_LDADD = src/libvrcore.la tests/support/libvrtest.la $(LIBVIRT_LIBS)
bench_vr_bench_threads_SOURCES = bench/bench_threads.c
bench_vr_bench_threads_LDADD = -lpthread
EXTRA_DIST += bench/run-bench-scale.sh

bench-scale: tests/support/test-deps.stamp
	$(MAKE) $(AM_MAKEFLAGS) bench/vr-bench-scale$(EXEEXT) \
	  bench/vr-bench-threads$(EXEEXT) bench/vr-bench-storm$(EXEEXT) \
	  tests/resctrl-emu/resctrl-emu$(EXEEXT)
	VR_BUILDDIR='$(abs_top_builddir)' VR_SRCDIR='$(abs_top_srcdir)' \
	  $(SHELL) $(top_srcdir)/bench/run-bench-scale.sh
.PHONY: bench-scale

bench: tests/support/test-deps.stamp
	$(MAKE) $(AM_MAKEFLAGS) bench/vr-bench-read$(EXEEXT) \
	  bench/vr-bench-events$(EXEEXT) tests/resctrl-emu/resctrl-emu$(EXEEXT)
	VR_BUILDDIR='$(abs_top_builddir)' VR_SRCDIR='$(abs_top_srcdir)' \
	  $(SHELL) $(top_srcdir)/bench/run-bench.sh
.PHONY: bench

# The peer comparison (doc/design.md, "Benchmarks"): libvirt's own resctrl
# monitor read beside ours. Not built by `make` and not run by `make bench`:
# it calls libvirt's private, version-tied virResctrl* symbols.
# bench/peer-libvirt.sh builds it (make bench/vr-bench-libvirt) and runs it,
# as root.
EXTRA_PROGRAMS = bench/vr-bench-libvirt
bench_vr_bench_libvirt_SOURCES = bench/bench_libvirt.c $(BENCH_SHIM)
bench_vr_bench_libvirt_CPPFLAGS = $(BENCH_CPP)
bench_vr_bench_libvirt_LDADD = src/libvrcore.la tests/support/libvrtest.la $(LIBVIRT_LIBS)
CLEANFILES += bench/vr-bench-libvirt
EXTRA_DIST += bench/peer-libvirt.sh

# The event storm (doc/design.md, "Benchmarks"; make bench-scale at 500
# domains, tests/reliability/storm-boot.sh at 50).
check_PROGRAMS += bench/vr-bench-storm
bench_vr_bench_storm_SOURCES = bench/bench_storm.c $(BENCH_SHIM)
bench_vr_bench_storm_CPPFLAGS = $(BENCH_CPP)
bench_vr_bench_storm_LDADD = src/libvrcore.la tests/support/libvrtest.la $(LIBVIRT_LIBS) -lpthread
