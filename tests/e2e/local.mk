# SPDX-License-Identifier: MIT
# collectd daemon tests (issues 3, 6)
# Shell tests that run a real collectd (tests/support/collectd-run.sh) with the built plugin.
TESTS += tests/e2e/test-plugin-load.sh
EXTRA_DIST += tests/e2e/test-plugin-load.sh \
	tests/support/collectd-run.sh
# the whole chain (doc/design.md, "Data flow"): collectd + virt_resctrl.so + a private libvirtd with
# QEMU guests + the resctrl emulator + csv, carbon, InfluxDB, threshold. Two programs so they run
# side by side.
TESTS += tests/e2e/test-chain-values.sh
EXTRA_DIST += tests/e2e/test-chain-values.sh tests/support/chain-lib.sh \
	tests/support/chain-prologue.sh \
	tests/support/emu.sh
TESTS += tests/e2e/test-chain-lifecycle.sh
EXTRA_DIST += tests/e2e/test-chain-lifecycle.sh
# OpenStack names (doc/design.md, "collectd interface"): Nova metadata names in both plugins
TESTS += tests/e2e/test-chain-openstack-names.sh
EXTRA_DIST += tests/e2e/test-chain-openstack-names.sh
# a newer kernel's tree, domains going and coming (doc/design.md, "The metric table")
TESTS += tests/e2e/test-newer-kernel.sh
EXTRA_DIST += tests/e2e/test-newer-kernel.sh
# whole VM (doc/design.md, "Metadata"): emulator and iothread groups with real QEMU guests,
# DefaultGroup vm
TESTS += tests/e2e/test-whole-vm.sh
EXTRA_DIST += tests/e2e/test-whole-vm.sh
# Sub-NUMA Clustering, per-node values in a real collectd (doc/design.md, "resctrl rules", Domains)
TESTS += tests/e2e/test-chain-snc.sh
EXTRA_DIST += tests/e2e/test-chain-snc.sh
# libvirt's own monitors, read-only (doc/design.md, "libvirt's own monitors"): groups made by
# libvirt's resctrl functions
TESTS += tests/e2e/test-libvirt-monitors.sh
EXTRA_DIST += tests/e2e/test-libvirt-monitors.sh
# host context (doc/design.md, "Host context"): host and vms sums with exact values
TESTS += tests/e2e/test-host-context.sh
EXTRA_DIST += tests/e2e/test-host-context.sh
# ABMC counters (doc/design.md, "ABMC counters") with fewer than the groups want, in a real collectd
# + libvirtd + QEMU
TESTS += tests/e2e/test-abmc.sh
EXTRA_DIST += tests/e2e/test-abmc.sh
# the host context under ABMC: no vms bandwidth value while none of our groups is counted
TESTS += tests/e2e/test-host-context-abmc.sh
EXTRA_DIST += tests/e2e/test-host-context-abmc.sh
# PERF_PKG energy and per-group power in a real collectd (doc/design.md, "The metric table")
TESTS += tests/e2e/test-chain-energy.sh
EXTRA_DIST += tests/e2e/test-chain-energy.sh
# the threshold block collectd.conf.example ships, as written, in a real collectd: VM groups warn,
# the host context and ABMC coverage never do (doc/design.md, "Host context")
TESTS += tests/e2e/test-threshold-block.sh
EXTRA_DIST += tests/e2e/test-threshold-block.sh
