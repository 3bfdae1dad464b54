#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input"): RMIDs exhausted (ENOSPC) and then
# freed; freed RMIDs in limbo (EBUSY) and then available. The emulator has 3 RMIDs (RMID 0 is
# the root's): two groups fit. Each domain has one group, so none gives its RMID up for another
# domain's first group (that sharing: fault-rmid-fair.sh). Must hold:
#  Phase 1 (no limbo):
#  1. a third group's mkdir fails with ENOSPC: exactly one WARNING (log line and notification)
#     naming its domain and group and saying no RMID is left, not repeated by the resyncs that
#     retry it; the two other groups keep reporting;
#  2. a domain stops (its RMID freed): the waiting group is created at the next resync with its
#     thread, values flow, and an OKAY clears the WARNING.
#  Phase 2 (resctrl mounted again with --limbo-ms 4000: freed RMIDs stay busy 4 s):
#  3. again two groups in use and a third one warned for ENOSPC;
#  4. a domain stops: its RMID goes into limbo, so the waiting group's mkdir fails with EBUSY: a
#     WARNING saying so (a new state); once the limbo ends a periodic resync creates the group,
#     and an OKAY follows;
#  5. no warning stays raised, nothing leaks: after collectd stops no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432 --num-rmids 3 --limbo-ms 0
md() { echo "<resmon xmlns=\"$NS\">$1</resmon>"; }
lv_define_guest g1 2 2 "$(md '<group name="a" vcpus="0-1"/>')"
lv_define_guest g2 1 1 "$(md '<group name="m" vcpus="0"/>')"
lv_define_guest g3 1 1 "$(md '<group name="x" vcpus="0"/>')"
lv_start_guest g1
lv_start_guest g2
fault_collectd_start 2
wait_group_tasks g2 m "$(vcpu_tids g2 0)" 10 || vr_fail "g2/m tasks '$(group_tasks g2 m)'"
wait_group_tasks g1 a "$(vcpu_tids g1 0 1)" 5 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
vr_log "phase 1: two groups hold the two RMIDs"

# exhausted INSTANCE DOMAIN GROUP OTHERS...: one ENOSPC WARNING over two resyncs, others report
exhausted() {
	local inst="$1" dom="$2" grp="$3" text n_log
	shift 3
	wait_note WARNING "$inst" 1 5 || vr_fail "no WARNING for $dom/$grp without an RMID"
	text=$(note_text WARNING "$inst")
	case $text in
	"domain $dom group $grp: no RMID left"*ENOSPC* | "domain $dom group $grp: no RMID left"*"No space"*) ;;
	*) vr_fail "the ENOSPC WARNING does not say so: '$text'" ;;
	esac
	no_group "$dom" "$grp" || vr_fail "$dom/$grp exists though no RMID was free"
	stalled=$(all_grow 6 "$@") || vr_fail "with RMIDs exhausted, values stopped: $stalled"
	[ "$(notes WARNING "$inst")" = 1 ] || vr_fail "the resyncs repeated the WARNING for $inst: $(notes WARNING "$inst")"
	n_log=$(grep -F "virt_resctrl plugin: domain $dom group $grp: no RMID left" "$CD_LOG" | grep -cv 'Notification:' || true)
	[ "$n_log" = 1 ] || vr_fail "$n_log log lines for $dom/$grp's ENOSPC, want 1"
	vr_log "ENOSPC: one WARNING '$text'; $* keep reporting"
}

# 1. A third group: ENOSPC.
lv_start_guest g3
exhausted g3:x g3 x g1:a g2:m

# 2. g2 stops: its RMID is free, g3/x is created at the next resync.
t0=$(date +%s)
lv_virsh destroy g2 >/dev/null
wait_group_tasks g3 x "$(vcpu_tids g3 0)" 6 || vr_fail "g3/x not created within 6 s of g2's stop (tasks '$(group_tasks g3 x)')"
wait_note OKAY g3:x 1 5 || vr_fail "no OKAY for g3/x once it was created"
until_true 30 has_value g3:x || vr_fail "no value for g3:x"
vr_log "g2 stopped: g3/x created and '$(note_text OKAY g3:x)' within $(($(date +%s) - t0))s"

# Phase 2: resctrl comes back with a 4 s limbo; g1/a, g3/x take the two RMIDs again.
chain_emu_stop
vr_wait_log "$CD_LOG" "mount -t resctrl" 10 || vr_fail "the unmount went unnoticed"
fault_emu_start 0 33554432 --num-rmids 3 --limbo-ms 4000
wait_group_tasks g3 x "$(vcpu_tids g3 0)" 10 || vr_fail "phase 2: g3/x not recreated"
wait_group_tasks g1 a "$(vcpu_tids g1 0 1)" 5 || vr_fail "phase 2: g1/a not recreated"
vr_log "phase 2 (limbo 4 s): two groups hold the two RMIDs"

# 3. g2 back: ENOSPC for g2/m.
lv_start_guest g2
exhausted g2:m g2 m g1:a g3:x

# 4. g3 stops: its RMID goes into limbo; g2/m gets EBUSY, then its group.
t0=$(date +%s)
lv_virsh destroy g3 >/dev/null
wait_note WARNING g2:m 2 5 || vr_fail "no new WARNING for g2/m while the freed RMID is in limbo"
text=$(note_text WARNING g2:m)
case $text in
"domain g2 group m: "*limbo*) ;;
*) vr_fail "the EBUSY WARNING does not mention the limbo: '$text'" ;;
esac
no_group g2 m || vr_fail "g2/m exists though its RMID was in limbo"
vr_log "RMID in limbo: '$text'"
wait_group_tasks g2 m "$(vcpu_tids g2 0)" 15 || vr_fail "g2/m not created after the limbo (tasks '$(group_tasks g2 m)')"
t_made=$(($(date +%s) - t0))
[ "$t_made" -ge 3 ] || vr_fail "g2/m created ${t_made}s after g3's stop, before the 4 s limbo ended"
wait_note OKAY g2:m 1 5 || vr_fail "no OKAY for g2/m once it was created"
until_true 30 has_value g2:m || vr_fail "no value for g2:m"
[ "$(notes WARNING g2:m)" = 2 ] || vr_fail "g2/m: $(notes WARNING g2:m) WARNINGs, want 2 (ENOSPC, EBUSY)"
vr_log "limbo over: g2/m created ${t_made}s after g3's stop, '$(note_text OKAY g2:m)'"

# 5. Nothing raised, nothing left.
[ -z "$(warnings_raised)" ] || vr_fail "warnings left raised: $(warnings_raised | tr '\n' ' ')"
fault_clean_stop
echo "PASS: fault-rmids ($(($(date +%s) - VR_T0))s)"
