#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "resctrl rules" (RMID shortage): RMIDs are shared between domains. The emulator has 4 RMIDs (RMID 0
# is the root's: three groups fit) and the kernel's limbo (no --limbo-ms: a freed RMID waits for
# the 1 s limbo checks until its group's occupancy, halving every second, is below
# max_threshold_occupancy). Domain gb asks for one group (x), domain ga for three (a, b, and c with
# mbm="high"): gb/x, ga/a and ga/b hold the three RMIDs and ga/c waits. Must hold:
#  1. gb stops, its RMID leaves limbo while gb is down and ga/c takes it (nobody waits for a first
#     group then); gb starts again: ga/c gives its RMID up for gb's first group, which is made with
#     its thread and reports within 60 s of gb's start; ga/a and ga/b stay; both are logged;
#  2. gb restarts (destroy, start) while its RMID is in limbo (occupancy 1024x the threshold: about
#     11 s): gb's first group, not ga/c (mbm="high" or not), gets that RMID once it leaves limbo,
#     and ga/c's waiting is logged naming gb;
#  3. collectd stops cleanly and leaves no group of ours.
# On code without the sharing rules, step 1 fails: gb/x waits with "no RMID left" for ever.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432 --num-rmids 4
md() { echo "<resmon xmlns=\"$NS\">$1</resmon>"; }
lv_define_guest ga 3 3 "$(md '<group name="a" vcpus="0"/><group name="b" vcpus="1"/><group name="c" vcpus="2" mbm="high"/>')"
lv_define_guest gb 1 1 "$(md '<group name="x" vcpus="0"/>')"
lv_start_guest gb
fault_collectd_start 5
wait_group_tasks gb x "$(vcpu_tids gb 0)" 20 || vr_fail "gb/x tasks '$(group_tasks gb x)'"
lv_start_guest ga
wait_group_tasks ga a "$(vcpu_tids ga 0)" 20 || vr_fail "ga/a tasks '$(group_tasks ga a)'"
wait_group_tasks ga b "$(vcpu_tids ga 1)" 20 || vr_fail "ga/b tasks '$(group_tasks ga b)'"
wait_note WARNING ga:c 1 20 || vr_fail "no WARNING for ga/c without an RMID"
no_group ga c || vr_fail "ga/c exists though three groups held the three RMIDs"
vr_log "gb/x, ga/a, ga/b hold the three RMIDs; ga/c waits: '$(note_text WARNING ga:c)'"

# ga's first two groups must stay whatever gb gets.
ga_kept() {
	group_tasks_are ga a "$(vcpu_tids ga 0)" || vr_fail "ga/a lost its group: tasks '$(group_tasks ga a)'"
	group_tasks_are ga b "$(vcpu_tids ga 1)" || vr_fail "ga/b lost its group: tasks '$(group_tasks ga b)'"
}

# 1. gb stops; once its RMID is out of limbo ga/c takes it (no domain waits for a first group).
lv_virsh destroy gb >/dev/null
wait_group_tasks ga c "$(vcpu_tids ga 2)" 60 || vr_fail "ga/c did not take gb's freed RMID (tasks '$(group_tasks ga c)')"
vr_log "gb down: ga/c took its RMID"
mark=$(wc -l <"$CD_LOG")
t0=$(date +%s)
lv_start_guest gb
wait_group_tasks gb x "$(vcpu_tids gb 0)" 60 ||
	vr_fail "gb's first group x not made within 60 s of its start while ga held three groups (tasks '$(group_tasks gb x)'; log: $(tail -n +"$mark" "$CD_LOG" | grep -F 'group x:' | tail -n 2 | tr '\n' ' '))"
t_made=$(($(date +%s) - t0))
no_group ga c || vr_fail "ga/c still has a group beside gb/x"
ga_kept
vr_wait_log_after "$CD_LOG" "$mark" 'virt_resctrl plugin: domain ga group c: gave its RMID up to domain gb' 10 ||
	vr_fail "ga/c's yield is not logged"
until_true 20 has_value gb:x || vr_fail "no value for gb:x"
vr_log "gb back: gb/x made ${t_made}s after its start; ga/c gave its RMID up; ga/a, ga/b kept"

# 2. gb restarts while its RMID is in limbo: its first group gets that RMID, ga/c keeps waiting.
threshold=$(cat "$EMU_MNT/info/L3_MON/max_threshold_occupancy")
# shellcheck disable=SC2046 # "domain group"
emu_ctl "$(group_dir gb x) 0 llc_occupancy $((threshold * 1024))"
mark=$(wc -l <"$CD_LOG")
t0=$(date +%s)
lv_virsh destroy gb >/dev/null
lv_start_guest gb
wait_group_tasks gb x "$(vcpu_tids gb 0)" 60 ||
	vr_fail "gb's first group x not made within 60 s of its restart (tasks '$(group_tasks gb x)'; ga/c tasks '$(group_tasks ga c)')"
t_made=$(($(date +%s) - t0))
no_group ga c || vr_fail "ga/c has a group beside gb/x after gb's restart"
ga_kept
tail -n +"$mark" "$CD_LOG" | grep -q 'virt_resctrl plugin: domain gb group x: .*limbo' ||
	vr_fail "the restart did not meet its RMID in limbo (EBUSY): this step no longer tests the limbo"
# ga's lack of an RMID is one problem (doc/design.md, "collectd interface"),
# raised when ga/c gave its RMID up in step 1: it says nothing more while
# ga/c waits behind gb's first group, and it is not cleared.
if tail -n +"$mark" "$CD_LOG" | grep -q 'virt_resctrl plugin: domain ga group c: cleared (no RMID left)'; then
	vr_fail "ga's no-RMID problem was cleared while ga/c still waits behind gb's first group"
fi
until_true 20 has_value gb:x || vr_fail "no value for gb:x after the restart"
vr_log "gb restarted: gb/x made ${t_made}s after the destroy (RMID in limbo meanwhile); ga/c waited"

fault_clean_stop
echo "PASS: fault-rmid-fair ($(($(date +%s) - VR_T0))s)"
