#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input"): a monitoring-only host (the emulator's
# --no-alloc: no CTRL_MON group but the root) and vCPU hot-plug (`setvcpus --live` on <vcpu
# current='2'>4</vcpu>). libvirt 9.0 raises no event for a vCPU hot-plug, so the new thread is
# found by the periodic resync (RefreshInterval 2 here).
# Must hold:
#  1. monitoring-only: the plugin says so, every group is a MON group directly under the root
#     (mon_groups/vr_...), holds its threads, and its values flow; no warning is logged;
#  2. a group naming vCPUs 0-3 of a domain with 2 of 4 online monitors the online ones; after
#     `setvcpus 3 --live` the new vCPU 2's thread joins that group within two RefreshIntervals
#     (and no other group), values keep flowing for both domains;
#  3. nothing leaks: after collectd stops no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0,1 33554432,33554432 --no-alloc
lv_define_guest g1 4 2 "<resmon xmlns=\"$NS\"><group name=\"all\" vcpus=\"0-3\"/></resmon>"
lv_define_guest g2 1 1 "<resmon xmlns=\"$NS\"><group name=\"m\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
fault_collectd_start 2

# 1. Monitoring-only host.
vr_wait_log "$CD_LOG" "resctrl at $EMU_MNT: 2 L3 cache id\(s\), .*monitoring only" 5 ||
	vr_fail "the plugin did not report a monitoring-only resctrl"
wait_group_tasks g1 all "$(vcpu_tids g1 0 1)" 10 || vr_fail "g1/all tasks '$(group_tasks g1 all)', want vCPUs 0-1 '$(vcpu_tids g1 0 1)'"
wait_group_tasks g2 m "$(vcpu_tids g2 0)" 5 || vr_fail "g2/m tasks '$(group_tasks g2 m)'"
for d in $(our_groups); do
	case $d in
	mon_groups/vr_*) ;;
	*) vr_fail "group $d is not directly under the root" ;;
	esac
done
[ -z "$(ls -d "$EMU_MNT"/*/mon_groups 2>/dev/null)" ] || vr_fail "a CTRL_MON group appeared: $(ls -d "$EMU_MNT"/*/mon_groups)"
stalled=$(all_grow 5 g1:all g2:m) || vr_fail "monitoring-only: no values for $stalled"
f1=$(csv_file g1:all bytes-llc-1)
until_true 30 lines_at_least "$f1" 1 || vr_fail "monitoring-only: no value for cache id 1 ($f1)"
vr_log "monitoring-only: $(our_groups | tr '\n' ' ') report on both cache ids"

# 2. Hot-plug vCPU 2 of g1.
[ -z "$(vcpu_tids g1 2)" ] || vr_fail "vCPU 2 of g1 is already online"
lv_virsh setvcpus g1 3 --live >/dev/null || vr_fail "virsh setvcpus g1 3 --live failed"
t0=$(date +%s)
new=$(vcpu_tids g1 2)
[ -n "$new" ] || vr_fail "after setvcpus, libvirt lists no thread for vCPU 2"
wait_group_tasks g1 all "$(vcpu_tids g1 0 1 2)" 5 ||
	vr_fail "vCPU 2's thread $new did not join g1/all within 5 s (tasks '$(group_tasks g1 all)')"
t_join=$(($(date +%s) - t0))
[ "$(group_tasks g2 m)" = "$(vcpu_tids g2 0)" ] || vr_fail "g2/m changed: '$(group_tasks g2 m)'"
stalled=$(all_grow 5 g1:all g2:m) || vr_fail "after the hot-plug, no values for $stalled"
vr_log "hot-plug: vCPU 2 (tid $new) joined g1/all within ${t_join}s"

if grep -E '\[warning\] virt_resctrl' "$CD_LOG" >"$VR_TMP/warnings"; then vr_fail "warnings: $(cat "$VR_TMP/warnings")"; fi
fault_clean_stop
echo "PASS: fault-noalloc-hotplug ($(($(date +%s) - VR_T0))s)"
