#!/bin/bash
# SPDX-License-Identifier: MIT
# Host context under ABMC with fewer counters than events (doc/design.md, "Host context" and "ABMC
# counters"): the resctrl emulator has 2 assignable counters per L3 domain (cache ids 0 and 8), both
# taken by the default group at mount (its two events), and a guest asks for three groups of ours,
# whose events then all read "Unassigned" (mon_event_count). A real collectd writes csv. Must hold:
#  1. while none of our groups' events is counted, no vms bandwidth value goes out (never a flat
#     total, a rate of 0 B/s), while vms occupancy and the host's bandwidth (the root counts) do;
#  2. the default group's counters freed by hand: the plugin gives them to a group of ours, and the
#     vms bandwidth values resume and grow at every read.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
chain_emu_start 0,8 "33554432,16777216" --abmc-counters 2
[ "$(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs")" = "0=0;8=0" ] ||
	vr_fail "available_mbm_cntrs: $(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs"), want 0=0;8=0 (the default group holds both)"

lv_define_guest g1 3 3 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/><group name=\"c\" vcpus=\"2\"/></resmon>"
lv_start_guest g1
u=$(dom_uuid g1)
chain_csv_collectd '  RefreshInterval 1'

none=$(printf 'mbm_total_bytes:0=_;8=_\nmbm_local_bytes:0=_;8=_')
assignments() { cat "$EMU_MNT/mon_groups/vr_${u}_$1/mbm_L3_assignments" 2>/dev/null; }
assigned_is() { [ "$(assignments "$1")" = "$2" ]; }
bw_series() { # SCOPE: its four bandwidth series
	local c m
	for c in 0 8; do for m in total local; do csv_file "$1" "memory_bandwidth-$m-$c"; done; done
}

# 1. Nothing of ours counted: vms sends occupancy, no bandwidth.
for g in a b c; do
	until_true 20 assigned_is "$g" "$none" || vr_fail "$g: '$(assignments "$g")', want no counter"
done
# Ten reads of vms occupancy with every group of ours there and none counted.
n0=$(csv_lines "$(csv_file vms bytes-llc-0)")
until_true 30 lines_at_least "$(csv_file vms bytes-llc-0)" $((n0 + 10)) || vr_fail "csv: vms occupancy stopped"
for g in a b c; do assigned_is "$g" "$none" || vr_fail "$g got a counter meanwhile: '$(assignments "$g")'"; done
lines_at_least "$(csv_file host memory_bandwidth-total-0)" 10 || vr_fail "csv: no host bandwidth though the root counts"
for f in $(bw_series vms); do
	[ "$(csv_lines "$f")" = 0 ] || vr_fail "csv: $f has $(csv_lines "$f") values (last '$(csv_last "$f")') though none of our groups is counted"
done
vr_log "none counted: $(csv_lines "$(csv_file vms bytes-llc-0)") vms occupancy values, no vms bandwidth value; host bandwidth goes on"

# 2. The default group gives its counters back; one group of ours gets them.
printf 'mbm_total_bytes:*=_\nmbm_local_bytes:*=_\n' >"$EMU_MNT/mbm_L3_assignments"
all_e=$(printf 'mbm_total_bytes:0=e;8=e\nmbm_local_bytes:0=e;8=e')
holder=
held() {
	local g
	for g in a b c; do assigned_is "$g" "$all_e" && holder=$g && return 0; done
	return 1
}
until_true 20 held || vr_fail "no group of ours got the freed counters: a '$(assignments a)'"
for f in $(bw_series vms); do
	until_true 15 lines_at_least "$f" 5 || vr_fail "csv: $f did not resume ($(csv_lines "$f") values)"
done
# Every vms bandwidth value grows at every read: the emulator's counters count from their
# assignment at a steady rate.
for f in $(bw_series vms); do
	# shellcheck disable=SC2046 # the day files
	awk -F, '/^[0-9]/ { if (seen && $2 + 0 <= last) { print "not growing at " $1 ": " last " -> " $2; bad = 1 } last = $2 + 0; seen = 1 }
		END { exit bad }' $(csv_day_files "$f") || vr_fail "csv: $f does not grow at every read"
done
vr_log "counters freed: $holder holds them, vms bandwidth resumed and grows ($(csv_lines "$(csv_file vms memory_bandwidth-total-0)") values, last $(csv_last "$(csv_file vms memory_bandwidth-total-0)"))"

collectd_no_errors "$log"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-host-context-abmc"
