#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "Values out of bounds": a value file holds what no kernel writes. An MBM file
# holding 2^64 - 1 (once sent as derive -1, after which the carried total wrapped: 500 -> -1 ->
# 499) and an occupancy above the L3 size (32 MiB here; once sent as a percent far above 100).
# Must hold (RefreshInterval 1, csv writer):
#  1. neither value is sent: no csv line of the counter or the occupancy while they hold;
#  2. one WARNING log line per event (not one per read), one line when it is sane again (the host
#     contexts, "vms" and "host", which sum this group, are held back and say so the same way);
#  3. the counter's series never falls, and goes on from its last sane total once sane again.
# Also: a domain name with U+2028 and U+202E (libvirt allows both) reaches no log line raw.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
L3=33554432
fault_emu_start 0 "$L3"
lv_define_guest g1 1 1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
# The hostile name: "evil", U+2028 (line separator), U+202E (right-to-left override), "x" (libvirt
# 9.0 refuses CR and LF in a name, XML any other C0 control; these pass both). Its group is rejected (vCPU
# 7 of a 1-vCPU guest), so its name goes into a WARNING line.
evil=$(printf 'evil\xe2\x80\xa8\xe2\x80\xaex')
lv_define_guest "$evil" 1 1 "<resmon xmlns=\"$NS\"><group name=\"b\" vcpus=\"7\"/></resmon>"
lv_start_guest "$evil"
fault_collectd_start 1
until_true 15 has_group g1 a || vr_fail "no group for g1/a"
dir=$(group_dir g1 a)
total=$(csv_file g1:a memory_bandwidth-total-0)
bytes=$(csv_file g1:a bytes-llc-0)
percent=$(csv_file g1:a percent-llc-0)
local_=$(csv_file g1:a memory_bandwidth-local-0)

# The counter held at 500: the series (the carried total of the emulator's counter so far, then
# +0) stops moving; its total then is T.
emu_ctl "$dir 0 mbm_total_bytes 500" "$dir 0 llc_occupancy 1048576"
# every value of a series, oldest first
csv_values() {
	local f
	for f in $(csv_day_files "$1"); do grep '^[0-9]' "$f" | cut -d, -f2; done
}
total_held() {
	local n
	n=$(csv_values "$total" | tail -n 2 | sort -u | wc -l)
	[ "$(csv_lines "$total")" -ge 3 ] && [ "$n" = 1 ]
}
until_true 15 total_held || vr_fail "csv: $total does not hold still at the counter 500: $(csv_values "$total" | tail -n 3 | tr '\n' ' ')"
T=$(csv_last "$total")
csv_wait_value "$bytes" 1048576 5 || vr_fail "csv: $bytes ends in '$(csv_last "$bytes")'"

n_total=$(csv_lines "$total")
n_bytes=$(csv_lines "$bytes")
n_percent=$(csv_lines "$percent")
emu_ctl "$dir 0 mbm_total_bytes 18446744073709551615" "$dir 0 llc_occupancy $((L3 + 1))"
vr_log "injected mbm_total_bytes 2^64-1 and llc_occupancy $((L3 + 1)) (L3 $L3 bytes) into $dir"
# Five reads go by: the local counter's series (untouched) gains five lines.
until_true 20 lines_at_least "$local_" $(($(csv_lines "$local_") + 5)) || vr_fail "the local counter stopped"
# A line written in the read that raced the injection is allowed; none after.
n_total2=$(csv_lines "$total")
n_bytes2=$(csv_lines "$bytes")
until_true 20 lines_at_least "$local_" $(($(csv_lines "$local_") + 3)) || vr_fail "the local counter stopped"
{ [ "$(csv_lines "$total")" = "$n_total2" ] && [ "$n_total2" -le $((n_total + 1)) ]; } ||
	vr_fail "values of 2^64-1 were sent: $total gained $(($(csv_lines "$total") - n_total)) lines: $(csv_values "$total" | tail -n 3 | tr '\n' ' ')"
{ [ "$(csv_lines "$bytes")" = "$n_bytes2" ] && [ "$n_bytes2" -le $((n_bytes + 1)) ]; } ||
	vr_fail "an occupancy above the L3 size was sent: $(csv_values "$bytes" | tail -n 3 | tr '\n' ' ')"
[ "$(csv_lines "$percent")" -le $((n_percent + 1)) ] || vr_fail "a percent above 100 was sent: $(csv_values "$percent" | tail -n 3 | tr '\n' ' ')"
w_total=$(grep -c 'domain g1 group a: mbm_total_bytes on L3 cache 0 read 18446744073709551615' "$CD_LOG" || true)
w_llc=$(grep -c "domain g1 group a: llc_occupancy on L3 cache 0 read $((L3 + 1)) (above the cache's size)" "$CD_LOG" || true)
# Each WARNING is a log line and a notification (also logged by logfile): two lines each.
[ "$w_total" = 2 ] || vr_fail "want one WARNING (log line + notification) for the counter, got $w_total lines"
[ "$w_llc" = 2 ] || vr_fail "want one WARNING (log line + notification) for the occupancy, got $w_llc lines"
vr_log "not sent over 8 reads, one WARNING each"

emu_ctl "$dir 0 mbm_total_bytes 700" "$dir 0 llc_occupancy 2097152"
csv_wait_value "$total" $((T + 200)) 10 || vr_fail "csv: $total ends in '$(csv_last "$total")', want $((T + 200)) (the counter sane again at 700, 200 above 500)"
csv_wait_value "$bytes" 2097152 10 || vr_fail "csv: $bytes ends in '$(csv_last "$bytes")', want 2097152"
grep -q 'domain g1 group a: mbm_total_bytes values are sane again' "$CD_LOG" || vr_fail "no line that the counter is sane again"
# The counter's whole series never falls.
csv_values "$total" | awk '{ if (NR > 1 && $1 + 0 < last + 0) { print "fell from " last " to " $1; bad = 1 } last = $1 } END { exit bad }' ||
	vr_fail "the total fell: $(csv_values "$total" | tr '\n' ' ')"
vr_log "sane again: the total went on from $T to $((T + 200)) (counter 500 -> 700); the series never fell"

# The hostile domain name: its rejection is logged, with '?' for each byte of U+2028 and U+202E.
until_true 10 grep -q 'domain evil??????x group b' "$CD_LOG" ||
	vr_fail "no sanitized line for the domain named 'evil<U+2028><U+202E>x': $(grep -a 'evil' "$CD_LOG" | head -n 3 | od -c | head -n 8)"
if grep -aq "$(printf '\xe2\x80\xa8')" "$CD_LOG" || grep -aq "$(printf '\xe2\x80\xae')" "$CD_LOG"; then
	vr_fail "a U+2028 or U+202E reached the log: $(grep -a 'evil' "$CD_LOG" | head -n 3 | od -c | head -n 6)"
fi
vr_log "the domain named evil<U+2028><U+202E>x is logged as 'evil??????x'"
fault_clean_stop
echo "PASS: fault-values ($(($(date +%s) - VR_T0))s)"
