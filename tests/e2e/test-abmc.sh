#!/bin/bash
# SPDX-License-Identifier: MIT
# ABMC in a real collectd (doc/design.md, "ABMC counters"; Linux 6.18, AMD): a private libvirtd runs
# one QEMU guest whose metadata asks for three groups, "hi" with mbm="high"; the resctrl emulator
# has 6 assignable counters per L3 domain (cache ids 0 and 8): the default group holds 2 from the
# mount and a group that is not ours ("other", made by hand) 2 more, so ours have 2 - one group's
# two events - where they want 6. Values go to csv. Must hold:
#  1. "hi" holds the counters, "a" and "b" none; coverage 2/6 per cache id (33.333333 %), one WARNING
#     per cache id, dispatched as virt_resctrl/host/percent-mbm-coverage-<id>;
#  2. exact bandwidth values of "hi" through the writer; no value (never a zero) for "a" and "b";
#  3. "hi" goes: its counters go to the next waiting group ("a", before "b"), whose exact values
#     then reach the writer; coverage 2/4 = 50 %, no second WARNING;
#  4. "b" goes too: coverage 100 %, one OKAY per cache id;
#  5. the default group's and "other"'s assignments were never touched;
#  6. "other" is removed by hand, freeing 2 counters per domain, and a group "q" with mbm="off"
#     comes: the kernel gives it those counters at mkdir (mbm_assign_on_mkdir), the plugin gives
#     them back; q reports occupancy, no bandwidth value, and no "no MBM counter" line (it asked
#     for none); coverage stays 100 % with no new WARNING.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
chain_emu_start 0,8 "33554432,16777216" --abmc-counters 6
mkdir "$EMU_MNT/mon_groups/other"
all_e=$(printf 'mbm_total_bytes:0=e;8=e\nmbm_local_bytes:0=e;8=e')
none=$(printf 'mbm_total_bytes:0=_;8=_\nmbm_local_bytes:0=_;8=_')
[ "$(cat "$EMU_MNT/mon_groups/other/mbm_L3_assignments")" = "$all_e" ] ||
	vr_fail "the foreign group did not get its counters at mkdir"
[ "$(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs")" = "0=2;8=2" ] ||
	vr_fail "available_mbm_cntrs: $(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs"), want 0=2;8=2"

md3="<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/><group name=\"hi\" vcpus=\"2\" mbm=\"high\"/></resmon>"
lv_define_guest g1 3 3 "$md3"
lv_start_guest g1
u=$(dom_uuid g1)

chain_csv_collectd '  RefreshInterval 1'

assignments() { cat "$EMU_MNT/mon_groups/vr_${u}_$1/mbm_L3_assignments" 2>/dev/null; }
assigned_is() { [ "$(assignments "$1")" = "$2" ]; }
cov() { csv_file host "percent-mbm-coverage-$1"; }
notes() { grep -F "Notification: severity = $1" "$log" | grep -F "plugin_instance = host, type = percent, type_instance = mbm-coverage-$2" | grep -c . || true; }
no_zero() {
	local f
	for f in $(csv_day_files "$1"); do
		if grep -Eq ',0(\.0+)?$' "$f"; then vr_fail "csv: a zero in $f"; fi
	done
}
# bw_exact GROUP TOTAL LOCAL: sets GROUP's counters on both caches to B + c * 1000 + TOTAL (total)
# and + LOCAL (local); the csv must show exactly those values.
bw_exact() {
	local c f
	for c in 0 8; do
		emu_ctl "mon_groups/vr_${u}_$1 $c mbm_total_bytes $((B + c * 1000 + $2))" \
			"mon_groups/vr_${u}_$1 $c mbm_local_bytes $((B + c * 1000 + $3))"
	done
	for c in 0 8; do
		f=$(csv_file "g1:$1" "memory_bandwidth-total-$c")
		csv_wait_value "$f" "$((B + c * 1000 + $2))" 10 || vr_fail "csv: $f ends in '$(csv_last "$f")'"
		f=$(csv_file "g1:$1" "memory_bandwidth-local-$c")
		csv_wait_value "$f" "$((B + c * 1000 + $3))" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")'"
	done
}
B=1000000000000
bw_files() { # GROUP: its four bandwidth series
	local c m
	for c in 0 8; do for m in total local; do csv_file "g1:$1" "memory_bandwidth-$m-$c"; done; done
}

# 1. hi first; a and b wait.
until_true 20 assigned_is hi "$all_e" || vr_fail "hi: '$(assignments hi)', want every event assigned"
until_true 5 assigned_is a "$none" || vr_fail "a: '$(assignments a)', want none"
assigned_is b "$none" || vr_fail "b: '$(assignments b)', want none"
for c in 0 8; do
	csv_wait_value "$(cov $c)" 33.333333 10 || vr_fail "coverage $c: '$(csv_last "$(cov $c)")', want 33.333333"
done
vr_wait_log "$log" "L3 cache 8: only 2 of 6 MBM events" 5 || vr_fail "no line says cache 8 covers 2 of 6 events"
vr_log "hi holds the counters; coverage 33.333333 % on caches 0 and 8"

# 2. Exact values of hi; nothing from a and b.
bw_exact hi 11 7
for f in $(bw_files a) $(bw_files b); do
	[ "$(csv_lines "$f")" = 0 ] || vr_fail "csv: $f has values though its group holds no counter"
done
vr_wait_log "$log" "domain g1 group a: no MBM counter assigned" 5 || vr_fail "no line says a has no counter"
vr_log "hi: exact values; a, b: no bandwidth value at all"

# 3. hi goes: a (before b) gets its counters.
set_md g1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
until_true 10 assigned_is a "$all_e" || vr_fail "a: '$(assignments a)', want the counters hi freed"
assigned_is b "$none" || vr_fail "b: '$(assignments b)', want none"
bw_exact a 5 3
for c in 0 8; do
	csv_wait_value "$(cov $c)" 50 10 || vr_fail "coverage $c: '$(csv_last "$(cov $c)")', want 50"
done
for f in $(bw_files b); do
	[ "$(csv_lines "$f")" = 0 ] || vr_fail "csv: $f has values though b holds no counter"
done
vr_log "hi went: a got its counters, exact values; coverage 50 %"

# 4. b goes: every wanted event counted, OKAY.
set_md g1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
for c in 0 8; do
	csv_wait_value "$(cov $c)" 100 10 || vr_fail "coverage $c: '$(csv_last "$(cov $c)")', want 100"
	vr_wait_log "$log" "Notification: severity = OKAY.*type_instance = mbm-coverage-$c" 5 ||
		vr_fail "no OKAY for mbm-coverage-$c"
	[ "$(notes WARNING "$c")" = 1 ] || vr_fail "mbm-coverage-$c: $(notes WARNING "$c") WARNINGs, want 1"
	[ "$(notes OKAY "$c")" = 1 ] || vr_fail "mbm-coverage-$c: $(notes OKAY "$c") OKAYs, want 1"
done
vr_log "b went: coverage 100 %, one WARNING and one OKAY per cache id"

# 5. Nothing of others touched; no zero anywhere.
[ "$(cat "$EMU_MNT/mbm_L3_assignments")" = "$all_e" ] || vr_fail "the default group's assignments changed"
[ "$(cat "$EMU_MNT/mon_groups/other/mbm_L3_assignments")" = "$all_e" ] || vr_fail "other's assignments changed"
vr_log "the default group and 'other' kept their counters"

# 6. mbm="off": counters given back, no bandwidth, nothing to warn of.
rmdir "$EMU_MNT/mon_groups/other"
[ "$(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs")" = "0=2;8=2" ] ||
	vr_fail "available_mbm_cntrs after rmdir other: $(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs"), want 0=2;8=2"
set_md g1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"q\" vcpus=\"1\" mbm=\"off\"/></resmon>"
until_true 10 assigned_is q "$none" || vr_fail "q: '$(assignments q)', want none (mbm=off)"
[ "$(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs")" = "0=2;8=2" ] ||
	vr_fail "available_mbm_cntrs: $(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs"), want q's counters back (0=2;8=2)"
assigned_is a "$all_e" || vr_fail "a: '$(assignments a)', want its counters kept"
until_true 10 lines_at_least "$(csv_file g1:q bytes-llc-0)" 3 || vr_fail "csv: no occupancy of q"
for f in $(bw_files q); do
	[ "$(csv_lines "$f")" = 0 ] || vr_fail "csv: $f has values though q asked for no counter"
done
if grep -F "group q: no MBM counter assigned" "$log"; then vr_fail "a WARNING for q, which asked for no counter"; fi
for c in 0 8; do
	csv_value_is "$(cov $c)" 100 || vr_fail "coverage $c: '$(csv_last "$(cov $c)")', want 100 (q wants none)"
	[ "$(notes WARNING "$c")" = 1 ] || vr_fail "mbm-coverage-$c: $(notes WARNING "$c") WARNINGs, want still 1"
done
vr_log "q (mbm=off) gave back its counters, reports occupancy only, no warning"
for g in a b hi q; do for f in $(bw_files "$g"); do no_zero "$f"; done; done
for c in 0 8; do no_zero "$(cov $c)"; done
chain_stop_clean
no_sanitizer_report "$log"
vr_log "no zero written"
