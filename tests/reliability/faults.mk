# SPDX-License-Identifier: MIT
# reliability: fault matrix (doc/design.md, "Faults and hostile input")
# Each fault-*.sh runs a real collectd with the built plugin, a private libvirtd with QEMU guests
# and the resctrl emulator (tests/support/chain-lib.sh, through fault-lib.sh), injects faults, and
# checks what must hold. Separate programs so that `make -j2 check` runs them side by side.
FAULT_TESTS = tests/reliability/fault-libvirtd.sh \
	tests/reliability/fault-resctrl-remount.sh \
	tests/reliability/fault-resctrl-umount-nokeep.sh \
	tests/reliability/fault-rmids.sh \
	tests/reliability/fault-rmid-fair.sh \
	tests/reliability/fault-noalloc-hotplug.sh \
	tests/reliability/fault-sigkill-foreign.sh \
	tests/reliability/fault-storm.sh \
	tests/reliability/fault-shutdown.sh \
	tests/reliability/fault-stale-tids.sh \
	tests/reliability/fault-rmid-retry.sh \
	tests/reliability/fault-domains.sh \
	tests/reliability/fault-restart-limbo.sh \
	tests/reliability/fault-inherit.sh \
	tests/reliability/fault-release.sh \
	tests/reliability/fault-lock-scope.sh \
	tests/reliability/fault-flood.sh \
	tests/reliability/fault-values.sh \
	tests/reliability/fault-pidfile.sh \
	tests/reliability/fault-hostile-files.sh
TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS) tests/support/fault-lib.sh

# doc/design.md, "Benchmarks": a boot storm of 50 test-driver domains, started and stopped, groups
# counted
TESTS += tests/reliability/storm-boot.sh
EXTRA_DIST += tests/reliability/storm-boot.sh
