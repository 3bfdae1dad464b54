#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input"): a foreign MON group
# (mon_groups/pqos_7, not ours) holding one vCPU thread; collectd killed with SIGKILL and started
# again. Must hold:
#  1. the group whose vCPU thread sits in pqos_7 is not created: one conflict WARNING naming the
#     domain, the group and pqos_7; the domain's other group and the other domain report;
#  2. SIGKILL leaves the groups behind (no shutdown ran); the next collectd adopts them: the same
#     directories (their mbm_total_bytes counters keep growing from where they were: a group made
#     again would start from zero), tasks intact, no duplicate group, values flow again, and the
#     conflict is reported again by the new process (its log starts afresh: collectd.log.killed
#     is the first process's);
#  3. pqos_7 is never touched while it exists (its tasks stay exactly what its owner wrote);
#  4. once pqos_7 is removed, the group is created at the next resync with its thread, and an OKAY
#     follows;
#  5. nothing leaks: no warning stays raised; after a clean stop no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
md() { echo "<resmon xmlns=\"$NS\">$1</resmon>"; }
lv_define_guest g1 2 2 "$(md '<group name="a" vcpus="0"/><group name="b" vcpus="1"/>')"
lv_define_guest g2 2 2 "$(md '<group name="p" vcpus="0"/><group name="q" vcpus="1"/>')"
lv_start_guest g1
lv_start_guest g2
# Another tool's group, holding g2's vCPU 1.
foreign=$EMU_MNT/mon_groups/pqos_7
mkdir "$foreign"
echo "$(vcpu_tids g2 1)" >"$foreign/tasks"
foreign_tasks=$(cat "$foreign/tasks")
[ "$foreign_tasks" = "$(vcpu_tids g2 1)" ] || vr_fail "could not put g2's vCPU 1 into pqos_7"
fault_collectd_start 2

# 1. The conflict.
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
wait_group_tasks g2 p "$(vcpu_tids g2 0)" 5 || vr_fail "g2/p tasks '$(group_tasks g2 p)'"
wait_note WARNING g2:q 1 5 || vr_fail "no conflict WARNING for g2/q"
text=$(note_text WARNING g2:q)
case $text in
"domain g2 group q: "*pqos_7*) ;;
*) vr_fail "the conflict WARNING does not name domain, group and pqos_7: '$text'" ;;
esac
no_group g2 q || vr_fail "g2/q was created though its thread is in pqos_7"
stalled=$(all_grow 5 g1:a g1:b g2:p) || vr_fail "during the conflict, no values for $stalled"
[ "$(notes WARNING g2:q)" = 1 ] || vr_fail "the conflict WARNING repeated: $(notes WARNING g2:q)"
vr_log "conflict: '$text'"

# 2. SIGKILL, then a new collectd adopts the groups.
mbm() { cat "$EMU_MNT/$(group_dir "$1" "$2")/mon_data/mon_L3_00/mbm_total_bytes"; }
groups_before=$(our_groups | tr '\n' ' ')
tasks_before="$(group_tasks g1 a)|$(group_tasks g1 b)|$(group_tasks g2 p)"
fault_kill_collectd
mbm_before="$(mbm g1 a) $(mbm g1 b) $(mbm g2 p)"
[ "$(our_groups | tr '\n' ' ')" = "$groups_before" ] || vr_fail "groups changed at SIGKILL"
vr_log "collectd killed (SIGKILL): $(our_groups | wc -l) groups left behind, mbm_total_bytes $mbm_before"
n_a=$(csv_lines "$(csv_file g1:a bytes-llc-0)")
# collectd_start waits for "Initialization complete": the new process's log starts empty.
mv "$CD_LOG" "$CD_LOG.killed"
collectd_start "$CD_DIR"
wait_note WARNING g2:q 1 5 || vr_fail "the new collectd did not report g2/q's conflict"
stalled=$(all_grow 5 g1:a g1:b g2:p) || vr_fail "after the restart, no values for $stalled"
[ "$(csv_lines "$(csv_file g1:a bytes-llc-0)")" -gt "$n_a" ] || vr_fail "g1:a: no new value after the restart"
[ "$(our_groups | tr '\n' ' ')" = "$groups_before" ] ||
	vr_fail "after the restart our groups are '$(our_groups | tr '\n' ' ')', want '$groups_before'"
[ "$(group_tasks g1 a)|$(group_tasks g1 b)|$(group_tasks g2 p)" = "$tasks_before" ] ||
	vr_fail "tasks changed across the restart"
set -- $mbm_before
for g in "g1 a" "g1 b" "g2 p"; do
	# shellcheck disable=SC2086 # "domain group"
	now=$(mbm $g)
	[ "$now" -gt "$1" ] || vr_fail "group $g: mbm_total_bytes $now after the restart, was $1: made again, not adopted"
	shift
done
vr_log "restart: the same $(our_groups | wc -l) groups adopted (counters went on), tasks intact"

# 3. pqos_7 untouched.
[ -d "$foreign" ] || vr_fail "pqos_7 was removed"
[ "$(cat "$foreign/tasks")" = "$foreign_tasks" ] || vr_fail "pqos_7's tasks changed: '$(cat "$foreign/tasks")'"

# 4. pqos_7 goes: g2/q is created, OKAY.
rmdir "$foreign"
t0=$(date +%s)
wait_group_tasks g2 q "$(vcpu_tids g2 1)" 6 || vr_fail "g2/q not created within 6 s of pqos_7's removal (tasks '$(group_tasks g2 q)')"
wait_note OKAY g2:q 1 5 || vr_fail "no OKAY for g2/q"
until_true 30 has_value g2:q || vr_fail "no value for g2:q"
vr_log "pqos_7 removed: g2/q created within $(($(date +%s) - t0))s, '$(note_text OKAY g2:q)'"

# 5. Nothing raised, nothing left.
[ -z "$(warnings_raised)" ] || vr_fail "warnings left raised: $(warnings_raised | tr '\n' ' ')"
fault_clean_stop
echo "PASS: fault-sigkill-foreign ($(($(date +%s) - VR_T0))s)"
