#!/bin/bash
# SPDX-License-Identifier: MIT
# The threshold block that collectd.conf.example ships, exactly as written (taken out of the file
# and uncommented here, so a wrong edit of the shipped text fails this test), in a real collectd
# with the built plugin, a private libvirtd with two QEMU guests and the resctrl emulator in ABMC
# mode (so that host/percent-mbm-coverage-<id> exists; 100 %, over the limit of 30). The README
# and the man page show the same block, line for line. Must hold:
#  1. group g1:a pushed to 40 % of L3 0: one WARNING from the threshold plugin; back to 3 %: one
#     OKAY after it;
#  2. plugin_instances "host" and "vms" (their percents over 30 % as well) and the coverage values
#     never get a threshold WARNING or FAILURE, only OKAYs: at least the first value's, which every
#     series a block matches gets. (A series without a value for more than collectd's Timeout
#     intervals leaves collectd's cache when it is not "interesting", and its next value is a
#     first value again, with one more OKAY: on a loaded machine a slow read did that, so the
#     test runs with Timeout 5 and asserts no exact count of these OKAYs);
#  3. a removed group (g1:b) and a stopped guest (g2) raise no "has not been updated" FAILURE.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

example=$VR_SRCDIR/collectd.conf.example
block=$(sed -n '/^#LoadPlugin threshold$/,/^#<\/Plugin>$/p' "$example" | sed 's/^#//')
[ "$(printf '%s\n' "$block" | grep -c .)" -ge 5 ] || vr_fail "no threshold block in $example"
readme_block=$(sed -n '/^    LoadPlugin threshold$/,/^    <\/Plugin>$/p' "$VR_SRCDIR/README.md" | sed 's/^    //')
[ "$readme_block" = "$block" ] || vr_fail "README.md's threshold block differs from collectd.conf.example's"
man_block=$(sed -n '/^LoadPlugin threshold$/,/^<\/Plugin>$/p' "$VR_SRCDIR/doc/collectd-virt_resctrl.5")
[ "$man_block" = "$block" ] || vr_fail "collectd-virt_resctrl(5)'s threshold block differs from collectd.conf.example's"

chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace. 8 counters per
# L3, 2 held by the default group: 6 for our 3 groups of 2 events each, coverage 100 %.
chain_emu_start 0,8 "33554432,16777216" --abmc-counters 8
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_define_guest g2 1 1 "<resmon xmlns=\"$NS\"><group name=\"c\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
u1=$(dom_uuid g1)

chain_csv_conf '  RefreshInterval 1'
printf 'Timeout 5\n%s\n' "$block" >>"$cd_dir/collectd.conf"
collectd_start "$cd_dir"
log=$cd_dir/collectd.log

# Threshold notifications only: the threshold plugin's messages begin "Host <host>, plugin".
th_notes() { # SEVERITY PLUGIN_INSTANCE [TYPE_INSTANCE]: how many
	grep -F "Notification: severity = $1, host = $COLLECTD_HOST, plugin = virt_resctrl, plugin_instance = $2, type = percent, type_instance = ${3:-}" "$log" |
		grep -cF "message = Host $COLLECTD_HOST, plugin virt_resctrl" || true
}
over() { awk -v v="$(csv_last "$1")" 'BEGIN { exit !(v > 30) }'; }

for f in "$(csv_file g1:a percent-llc-0)" "$(csv_file g2:c percent-llc-0)" "$(csv_file g1:b percent-llc-8)"; do
	until_true 20 lines_at_least "$f" 1 || vr_fail "csv: no value in $f"
done
for c in 0 8; do
	csv_wait_value "$(csv_file host "percent-mbm-coverage-$c")" 100 20 ||
		vr_fail "coverage $c: '$(csv_last "$(csv_file host "percent-mbm-coverage-$c")")', want 100"
done
vr_log "groups g1:a, g1:b, g2:c report; coverage 100 % on caches 0 and 8"

# 1. Over the limit and back.
series="g1:a, type = percent, type_instance = llc-0"
emu_ctl "mon_groups/vr_${u1}_a 0 llc_occupancy 13421772" # 40 % of 32 MiB
vr_wait_log "$log" "Notification: severity = WARNING, host = $COLLECTD_HOST, plugin = virt_resctrl, plugin_instance = $series" 15 ||
	vr_fail "no threshold WARNING for g1:a at 40 % of L3 0"
for pi in host vms; do
	until_true 10 over "$(csv_file "$pi" percent-llc-0)" ||
		vr_fail "$pi/percent-llc-0 is '$(csv_last "$(csv_file "$pi" percent-llc-0)")', want over 30"
done
# Held over the limit for a few more values: still one WARNING (once per change of state).
n0=$(csv_lines "$(csv_file g1:a percent-llc-0)")
until_true 15 lines_at_least "$(csv_file g1:a percent-llc-0)" $((n0 + 3)) || vr_fail "csv: g1:a stopped"
[ "$(th_notes WARNING g1:a llc-0)" = 1 ] || vr_fail "g1:a llc-0: $(th_notes WARNING g1:a llc-0) WARNINGs, want 1"
from=$(grep -n "Notification: severity = WARNING, .*plugin_instance = $series" "$log" | tail -n 1 | cut -d: -f1)
emu_ctl "mon_groups/vr_${u1}_a 0 llc_occupancy 1048576" # 3 %
vr_wait_log_after "$log" "$((from + 1))" "Notification: severity = OKAY, host = $COLLECTD_HOST, plugin = virt_resctrl, plugin_instance = $series" 15 ||
	vr_fail "no threshold OKAY once g1:a dropped to 3 %"
vr_log "g1:a: one WARNING at 40 %, an OKAY at 3 %; host and vms were over 30 % meanwhile"

# 3. A group removed, a guest stopped; then more than collectd's Timeout (2 intervals) of values.
set_md g1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_virsh destroy g2 >/dev/null
gone() { [ -z "$(group_dir g1 b)" ] && [ -z "$(group_dir g2 c)" ]; }
until_true 15 gone || vr_fail "groups g1:b and g2:c still exist: $(our_groups | tr '\n' ' ')"
n0=$(csv_lines "$(csv_file g1:a percent-llc-0)")
until_true 30 lines_at_least "$(csv_file g1:a percent-llc-0)" $((n0 + 8)) || vr_fail "csv: g1:a stopped"
vr_log "g1:b removed and g2 stopped; 8 more values of g1:a (Timeout 5)"

# 2. and 3. over the whole run.
if grep -F 'Notification: severity = FAILURE' "$log"; then vr_fail "a FAILURE notification"; fi
for c in 0 8; do
	for ti in "llc-$c" "mbm-coverage-$c"; do
		for pi in host vms; do
			[ "$pi/$ti" = "vms/mbm-coverage-$c" ] && continue
			[ "$(th_notes WARNING "$pi" "$ti")" = 0 ] || vr_fail "$pi/percent-$ti: a threshold WARNING"
			[ "$(th_notes OKAY "$pi" "$ti")" -ge 1 ] ||
				vr_fail "$pi/percent-$ti: no threshold OKAY, want the first value's"
		done
	done
done
over "$(csv_file host percent-mbm-coverage-0)" || vr_fail "coverage was not over the limit"
for s in "g1:a llc-0" "g1:a llc-8" "g1:b llc-0" "g1:b llc-8" "g2:c llc-0" "g2:c llc-8"; do
	# shellcheck disable=SC2086 # two words: plugin_instance, type_instance
	set -- $s
	want=0
	[ "$s" = "g1:a llc-0" ] && want=1
	[ "$(th_notes WARNING "$1" "$2")" = "$want" ] || vr_fail "$1 $2: $(th_notes WARNING "$1" "$2") WARNINGs, want $want"
done
vr_log "host, vms, coverage: no WARNING, OKAYs only; no FAILURE after a group and a guest went"
collectd_no_errors "$log"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-threshold-block"
