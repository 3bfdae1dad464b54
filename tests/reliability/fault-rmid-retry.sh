#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "resctrl rules", RMIDs (the plugin side): a group whose mkdir fails for want of an
# RMID (EBUSY while the freed ones sit in limbo, or ENOSPC) is retried with a short backoff (1, 2,
# 4 ... s, at most RefreshInterval), not only at the next RefreshInterval.
# Must hold: with RefreshInterval 60 and two usable RMIDs (the emulator's --num-rmids 3, RMID 0 is
# the root's) held by g1's groups a and b, one metadata edit that drops b and adds c removes b (its
# RMID goes to limbo for 1.5 s: --limbo-ms, a fixed timer) and fails c's mkdir with EBUSY; c is
# created with its thread within 8 s of the edit, far sooner than the 60 s RefreshInterval, and
# an OKAY follows the limbo WARNING. The test prints the time it took.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432 --num-rmids 3 --limbo-ms 1500
md() { echo "<resmon xmlns=\"$NS\">$1</resmon>"; }
lv_define_guest g1 2 2 "$(md '<group name="a" vcpus="0"/><group name="b" vcpus="1"/>')"
lv_start_guest g1
fault_collectd_start 60
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
vr_log "g1/a and g1/b hold both RMIDs"

t0=$(date +%s.%N)
set_md g1 "$(md '<group name="a" vcpus="0"/><group name="c" vcpus="1"/>')"
wait_note WARNING g1:c 1 5 || vr_fail "no limbo WARNING for g1/c"
vr_log "g1/c: $(note_text WARNING g1:c)"
# (until_true counts polls, and each poll here asks libvirt: time the wait by the clock)
wait_group_tasks g1 c "$(vcpu_tids g1 1)" 90 || vr_fail "g1/c never created: tasks '$(group_tasks g1 c)'"
t1=$(date +%s.%N)
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
awk -v t="$took" 'BEGIN { exit !(t <= 8) }' ||
	vr_fail "g1/c was created $took s after the edit, want <= 8 s (limbo 1.5 s; RefreshInterval 60 s)"
wait_note OKAY g1:c 1 5 || vr_fail "no OKAY for g1/c"
no_group g1 b || vr_fail "g1/b is still there"
vr_log "edit -> g1/c created with its thread: $took s (limbo 1.5 s, RefreshInterval 60 s)"
fault_clean_stop
echo "PASS: fault-rmid-retry ($(($(date +%s) - VR_T0))s)"
