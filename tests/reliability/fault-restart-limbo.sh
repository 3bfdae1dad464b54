#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "Life cycle": a collectd restart with RemoveGroupsOnShutdown true against the
# kernel's limbo (the emulator without --limbo-ms: a freed RMID waits for the 1 s limbo checks until
# the group's occupancy, halving every second, is below max_threshold_occupancy). Three groups hold
# the only three usable RMIDs (--num-rmids 4, RMID 0 the root's), each with an occupancy of 2048x
# the threshold, so their RMIDs stay dirty 12 s after the shutdown removes the groups (a loaded
# machine takes seconds to start collectd: the first mkdirs must still meet the limbo): the new
# collectd's first mkdirs fail with EBUSY. Must hold, with RefreshInterval 60: every group is made
# again with its threads and reports within 15 s of the RMIDs being clean again, not a
# RefreshInterval later: the plugin retries after 1, 2, 4, 8 ... s, so a group may wait one
# backoff step (8 s after a 12 s limbo) past the limbo's end, then two values at Interval 1. The test prints restart -> all groups
# reporting, and the part of it after the RMIDs were clean.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432 --num-rmids 4
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_define_guest g2 1 1 "<resmon xmlns=\"$NS\"><group name=\"m\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
fault_collectd_start 60

all_placed() {
	wait_group_tasks g1 a "$(vcpu_tids g1 0)" "$1" && wait_group_tasks g1 b "$(vcpu_tids g1 1)" "$1" &&
		wait_group_tasks g2 m "$(vcpu_tids g2 0)" "$1"
}
all_placed 10 || vr_fail "start-up: groups g1/a '$(group_tasks g1 a)' g1/b '$(group_tasks g1 b)' g2/m '$(group_tasks g2 m)'"
stalled=$(all_grow 5 g1:a g1:b g2:m) || vr_fail "start-up: no new values for $stalled"

# 2048 x max_threshold_occupancy (32 MiB / 4 RMIDs = 8 MiB): halving every second, below the
# threshold at the 12th check.
threshold=$(cat "$EMU_MNT/info/L3_MON/max_threshold_occupancy")
for g in "g1 a" "g1 b" "g2 m"; do
	# shellcheck disable=SC2086 # "domain group"
	emu_ctl "$(group_dir $g) 0 llc_occupancy $((threshold * 2048))"
done
vr_log "three groups hold the three RMIDs, occupancy $((threshold * 2048)) each (threshold $threshold)"

fault_clean_stop
t_stop=$(date +%s.%N)
# A fresh log: collectd_start waits for its 'Initialization complete', which the old one has.
mv "$CD_LOG" "$CD_LOG.first"
log_mark=1
fault_collectd_start 60
t0=$(date +%s.%N)
vr_log "collectd restarted"

vr_wait_log_after "$CD_LOG" "$log_mark" 'virt_resctrl plugin: domain g[12] group [abm]: .*limbo' 20 ||
	vr_fail "the restart did not meet an RMID in limbo (EBUSY): this test no longer tests the limbo retry"
all_placed 30 || vr_fail "after the restart: groups g1/a '$(group_tasks g1 a)' g1/b '$(group_tasks g1 b)' g2/m '$(group_tasks g2 m)' after 30 s"
stalled=$(all_grow 5 g1:a g1:b g2:m) || vr_fail "after the restart: no new values for $stalled"
t1=$(date +%s.%N)
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
after_clean=$(awk -v s="$t_stop" -v b="$t1" 'BEGIN { printf "%.1f", b - (s + 12) }')
vr_log "restart -> all groups reporting: $took s (RMIDs clean 12 s after the shutdown; $after_clean s after that; RefreshInterval 60)"
awk -v t="$after_clean" 'BEGIN { exit !(t <= 15) }' ||
	vr_fail "all groups reported $after_clean s after the RMIDs were clean again ($took s after the restart), want <= 15 s (RefreshInterval 60)"
fault_clean_stop
echo "PASS: fault-restart-limbo ($(($(date +%s) - VR_T0))s): restart -> all reporting $took s"
