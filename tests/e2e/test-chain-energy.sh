#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-group energy end to end (doc/design.md, "The metric table"): a real collectd loads the built
# virt_resctrl.so against a private libvirtd running one QEMU guest with metadata, and the resctrl
# emulator with
# --perf-pkg 0,1 (Linux 7.0's PERF_PKG telemetry: mon_PERF_PKG_00 and _01 per group, core_energy in
# Joules as a decimal fraction). Energies are set through the emulator's control channel; the csv
# writer must show, per package:
#  1. one line naming the telemetry, its 2 packages and the group limit (the smaller num_rmids);
#  2. energy-core-<pkg> (type energy, Joules) exactly as injected;
#  3. power-core-<pkg> (type power, Watts) = (E2 - E1) / (t2 - t1) with E and t the energy
#     series' own neighbouring lines (the writer's timestamps), within the csv's rounding of t;
#  4. no power value on the first read, nor on the read that sees a counter reset (the energy
#     series carries the total on); the read after it has power again;
#  5. the telemetry counts fewer RMIDs than L3 (--perf-pkg-rmids 2 under L3's 64): the line of 1.
#     names the smaller limit, and a second group finds no RMID (mkdir ENOSPC, the root holds
#     RMID 0): one WARNING naming it, while db goes on reporting energy.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
chain_emu_start 0,8 33554432,16777216 --perf-pkg 0,1 --num-rmids 64 --perf-pkg-rmids 2

lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"db\" vcpus=\"0-1\"/></resmon>"
lv_start_guest g1
u1=$(dom_uuid g1)
vr_log "guest g1 ($u1) running"

chain_csv_collectd '  RefreshInterval 1'

# 1. The telemetry said once at open, with the group limit.
vr_wait_log "$log" "PERF_PKG energy telemetry on 2 package\\(s\\), reporting power \\(ReportEnergy true\\); num_rmids L3 64, PERF_PKG 2: at most 2 groups" 10 ||
	vr_fail "no line names PERF_PKG with 2 packages: $(grep virt_resctrl "$log" | tail -n 3)"
until_true 10 has_group g1 db || vr_fail "no group db of g1 in the emulator: $(our_groups)"
g=mon_groups/vr_${u1}_db
E=$(csv_file g1:db energy-core-0)
P=$(csv_file g1:db power-core-0)

# csv_rows SERIES: its "time value" lines, oldest first, header dropped
csv_rows() {
	local f
	csv_day_files "$1" | while read -r f; do grep -v '^epoch' "$f"; done | tr , ' '
}
# line_at SERIES TIME: its value at TIME, empty when it has none
line_at() { csv_rows "$1" | awk -v t="$2" '$1 == t { print $2 }'; }
# check_power_at T2: power at the energy line T2 against the energy line before it
check_power_at() {
	local t1 e1 e2 p
	read -r t1 e1 <<<"$(csv_rows "$E" | awk -v t="$1" '$1 == t { print prev; exit } { prev = $0 }')"
	e2=$(line_at "$E" "$1")
	p=$(line_at "$P" "$1")
	[ -n "$p" ] || vr_fail "csv: no power at $1 (energy $e1 at $t1, $e2 at $1): $(csv_rows "$P" | tail -n 3 | tr '\n' ' ')"
	# the csv prints times to the millisecond: the bound is the quotient's change over +-1 ms of dt
	awk -v e1="$e1" -v e2="$e2" -v t1="$t1" -v t2="$1" -v p="$p" 'BEGIN {
		dt = t2 - t1; want = (e2 - e1) / dt; tol = want * 0.001 / (dt - 0.001) + 1e-6
		d = p - want; if (d < 0) d = -d; exit !(dt > 0 && d <= tol) }' ||
		vr_fail "power at $1: $p W, want ($e2 - $e1) / ($1 - $t1)"
	vr_log "power at $1: $p W = ($e2 - $e1) J / ($1 - $t1) s"
}

# 2. Energies as written: package 0 from 100 J, package 1 at 7.5 J.
emu_ctl "$g pkg:0 core_energy 100.000000" "$g pkg:1 core_energy 7.5"
csv_wait_value "$E" 100 10 || vr_fail "csv: $E ends in '$(csv_last "$E")', want 100"
csv_wait_value "$(csv_file g1:db energy-core-1)" 7.5 5 ||
	vr_fail "csv: energy-core-1 ends in '$(csv_last "$(csv_file g1:db energy-core-1)")', want 7.5"
# 4a. The first read has no power: the power series starts at the energy series' second line.
until_true 10 lines_at_least "$E" 2 || vr_fail "csv: $E has fewer than 2 lines"
until_true 5 lines_at_least "$P" 1 || vr_fail "csv: no power after two energy reads ($P)"
first_e2=$(csv_rows "$E" | awk 'NR == 2 { print $1 }')
first_p=$(csv_rows "$P" | awk 'NR == 1 { print $1 }')
if [ -z "$first_p" ] || [ "$first_p" != "$first_e2" ]; then
	vr_fail "first power at '$first_p', want the second energy read's time '$first_e2'"
fi
vr_log "no power on the first read; the first at $first_p"

# 3. 5.25 J more on package 0 after a few reads at 100 J.
sleep 2.5
emu_ctl "$g pkg:0 core_energy 105.250000"
csv_wait_value "$E" 105.25 10 || vr_fail "csv: $E ends in '$(csv_last "$E")', want 105.25"
t2=$(csv_rows "$E" | awk '$2 == 105.25 { print $1; exit }')
until_true 5 test -n "$(line_at "$P" "$t2")" || true
check_power_at "$t2"

# 4b. A reset (the counter reads less: its RMID counted from zero): the energy series carries the
# total on (105.25 + 3), the read that sees it has no power, the next one has.
sleep 1.5
emu_ctl "$g pkg:0 core_energy 3.000000"
csv_wait_value "$E" 108.25 10 || vr_fail "csv: $E ends in '$(csv_last "$E")', want the carried 108.25"
t3=$(csv_rows "$E" | awk '$2 == 108.25 { print $1; exit }')
sleep 1.5
[ -z "$(line_at "$P" "$t3")" ] || vr_fail "power $(line_at "$P" "$t3") at the reset's read $t3, want none"
vr_log "no power at the reset's read $t3; energy carried to 108.25"
emu_ctl "$g pkg:0 core_energy 4.500000"
csv_wait_value "$E" 109.75 10 || vr_fail "csv: $E ends in '$(csv_last "$E")', want 109.75"
t4=$(csv_rows "$E" | awk '$2 == 109.75 { print $1; exit }')
until_true 5 test -n "$(line_at "$P" "$t4")" || true
check_power_at "$t4"

# 5. The system's RMIDs are PERF_PKG's 2: db holds RMID 1, a second group gets none.
set_md g1 "<resmon xmlns=\"$NS\"><group name=\"db\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
vr_wait_log "$log" "domain g1 group b: no RMID left" 10 ||
	vr_fail "no line says g1/b found no RMID: $(grep virt_resctrl "$log" | tail -n 3)"
grep -F "Notification: severity = WARNING" "$log" | grep -qF "plugin_instance = g1:b" ||
	vr_fail "no WARNING notification for g1/b"
no_group g1 b || vr_fail "g1/b exists though PERF_PKG has no RMID left for it"
n_e=$(csv_lines "$E")
until_true 5 lines_at_least "$E" $((n_e + 2)) || vr_fail "csv: db's energy stopped once b found no RMID"
vr_log "PERF_PKG's 2 RMIDs under L3's 64: g1/b found none, db goes on"

collectd_no_errors "$log"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-chain-energy ($(($(date +%s) - VR_T0))s)"
