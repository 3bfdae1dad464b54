#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input"): a storm of 1000 live metadata edits
# (two domains, several layouts in turn), sent by one `virsh` reading commands from stdin (one
# connection: a few seconds, far faster than 1000 in a minute). RefreshInterval 60:
# only events carry the edits. Must hold:
#  1. afterwards the state is exact: our groups are exactly the last edit's (names, directories,
#     vCPU threads), no group of an intermediate layout is left, within 5 s of the last edit;
#  2. collectd stays responsive: values of a group untouched by the storm (g3) keep arriving
#     during and after it, the final groups report, and a later single edit still applies within
#     2 s;
#  3. resources are stable: after a warm-up storm of the same 1000 edits, the second storm leaves
#     collectd's open fds exactly where they were (same number of groups, so the same number of
#     value files) and its VmRSS within 4 MiB (glibc's arenas settle during the warm-up; measured
#     growth is well under 0.1 MiB, while keeping ~4 KiB per edit, about one refresh of a
#     domain, would exceed it; finer leaks are the soak and valgrind tests' job). In the ASan
#     build the quarantine is capped at 4 MiB so that freed memory does not read as growth, and
#     the bound is 8 MiB (ASan's size-class regions grow by ~2-3 MiB over the second storm);
#  4. nothing leaks in resctrl: after collectd stops no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
# --limbo-ms 0: 1000 edits in ~10 s rename groups faster than the kernel's limbo frees RMIDs
# (each freed RMID waits >= 1 s, the emulator's default): with 31 RMIDs the storm would be a
# test of the EBUSY retry (fault-rmid-retry.sh, fault-restart-limbo.sh), not of the final state.
fault_emu_start 0 33554432 --limbo-ms 0
md() { echo "<resmon xmlns=\"$NS\">$1</resmon>"; }
base1='<group name="a" vcpus="0-1"/><group name="b" vcpus="2-3"/>'
base2='<group name="m" vcpus="0-1"/>'
lv_define_guest g1 4 4 "$(md "$base1")"
lv_define_guest g2 2 2 "$(md "$base2")"
lv_define_guest g3 1 1 "$(md '<group name="z" vcpus="0"/>')"
lv_start_guest g1
lv_start_guest g2
lv_start_guest g3
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
export ASAN_OPTIONS
fault_collectd_start 60

wait_group_tasks g1 a "$(vcpu_tids g1 0 1)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 2 3)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
wait_group_tasks g2 m "$(vcpu_tids g2 0 1)" 5 || vr_fail "g2/m tasks '$(group_tasks g2 m)'"
wait_group_tasks g3 z "$(vcpu_tids g3 0)" 5 || vr_fail "g3/z tasks '$(group_tasks g3 z)'"
until_true 30 has_value g3:z || vr_fail "no value for g3:z"

# The layouts the storm cycles through; edit i goes to g1 (even i) or g2 (odd i).
layouts1=('<group name="a" vcpus="0"/><group name="b" vcpus="1"/><group name="c" vcpus="2"/><group name="d" vcpus="3"/>'
	'<group name="all" vcpus="0-3"/>'
	'<group vcpus="0,2"/><group vcpus="1,3"/>'
	"$base1")
layouts2=('<group name="m0" vcpus="0"/><group name="m1" vcpus="1"/>' '<group name="n" vcpus="1"/>' "$base2")
# storm FILE N LAST1 LAST2: N edits, then the two given layouts last
storm() {
	local i q="'"
	for ((i = 0; i < $2 - 2; i++)); do
		if ((i % 2 == 0)); then
			echo "metadata g1 --uri $NS --key resmon --set $q<resmon>${layouts1[i / 2 % 4]}</resmon>$q --live"
		else
			echo "metadata g2 --uri $NS --key resmon --set $q<resmon>${layouts2[i / 2 % 3]}</resmon>$q --live"
		fi
	done >"$1"
	echo "metadata g1 --uri $NS --key resmon --set $q<resmon>$3</resmon>$q --live" >>"$1"
	echo "metadata g2 --uri $NS --key resmon --set $q<resmon>$4</resmon>$q --live" >>"$1"
}
run_storm() {
	local t0 t
	t0=$(date +%s.%N)
	virsh -q -c "$LV_URI" <"$1" >"$VR_TMP/storm.out" 2>&1 || vr_fail "virsh batch failed: $(tail -n 3 "$VR_TMP/storm.out")"
	if grep -q '^error' "$VR_TMP/storm.out"; then vr_fail "virsh: $(grep '^error' "$VR_TMP/storm.out" | head -n 3)"; fi
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	vr_log "$(grep -c '^metadata' "$1") edits sent in ${t}s"
}
exact() { # the state must be exactly: g1 f1 (0) f2 (1-3), g2 f3 (0-1), g3 z (0)
	[ "$(our_groups | wc -l)" = 4 ] &&
		[ "$(group_tasks g1 f1)" = "$(vcpu_tids g1 0)" ] &&
		[ "$(group_tasks g1 f2)" = "$(vcpu_tids g1 1 2 3)" ] &&
		[ "$(group_tasks g2 f3)" = "$(vcpu_tids g2 0 1)" ] &&
		[ "$(group_tasks g3 z)" = "$(vcpu_tids g3 0)" ]
}
final1='<group name="f1" vcpus="0"/><group name="f2" vcpus="1-3"/>'
final2='<group name="f3" vcpus="0-1"/>'
usage() { # "VmRSS-kB fds"
	echo "$(awk '/^VmRSS:/ { print $2 }' "/proc/$COLLECTD_PID/status") $(ls "/proc/$COLLECTD_PID/fd" | wc -l)"
}

# Warm-up storm; it ends in the final layout too.
storm "$VR_TMP/warmup" 1000 "$final1" "$final2"
run_storm "$VR_TMP/warmup"
until_true 30 exact || vr_fail "after the warm-up storm the state is not exact: $(our_groups | tr '\n' ' ')"
stalled=$(all_grow 5 g1:f1 g1:f2 g2:f3 g3:z) || vr_fail "after the warm-up storm, no values for $stalled"
read -r rss0 fd0 <<<"$(usage)"
vr_log "after the warm-up storm: VmRSS ${rss0} kB, ${fd0} fds"

# 1. The storm; g3:z must go on meanwhile.
n_z=$(csv_lines "$(csv_file g3:z bytes-llc-0)")
storm "$VR_TMP/storm" 1000 "$final1" "$final2"
t0=$(date +%s)
run_storm "$VR_TMP/storm"
until_true 5 exact || vr_fail "5 s after the storm the state is not exact: $(our_groups | tr '\n' ' '); g1/f1 '$(group_tasks g1 f1)' g1/f2 '$(group_tasks g1 f2)' g2/f3 '$(group_tasks g2 f3)'"
vr_log "state exact after the storm: $(our_groups | wc -l) groups"

# 2. Responsive.
stalled=$(all_grow 5 g1:f1 g1:f2 g2:f3 g3:z) || vr_fail "after the storm, no values for $stalled"
elapsed=$(($(date +%s) - t0))
[ "$(csv_lines "$(csv_file g3:z bytes-llc-0)")" -ge $((n_z + elapsed - 3)) ] ||
	vr_fail "g3:z missed values during the storm: $(($(csv_lines "$(csv_file g3:z bytes-llc-0)") - n_z)) in ${elapsed}s"
set_md g2 '<resmon><group name="after" vcpus="0-1"/></resmon>'
until_true 2 has_group g2 after || vr_fail "a single edit after the storm did not apply within 2 s"
set_md g2 "<resmon>$final2</resmon>"
until_true 2 exact || vr_fail "the state is not exact after the edit back"
stalled=$(all_grow 5 g2:f3) || vr_fail "g2:f3 does not report after the edit back: $stalled"

# 3. Resources.
read -r rss1 fd1 <<<"$(usage)"
vr_log "after the storm: VmRSS ${rss1} kB (was ${rss0}), ${fd1} fds (was ${fd0})"
[ "$fd1" = "$fd0" ] || vr_fail "collectd's open fds went from $fd0 to $fd1: $(ls -l "/proc/$COLLECTD_PID/fd" | tail -n +2 | sed 's/.* -> //' | sort | uniq -c | sort -rn | head -5)"
rss_slack=4096
if ldd "$COLLECTD_SO" | grep -q libasan; then rss_slack=8192; fi
[ "$rss1" -le $((rss0 + rss_slack)) ] || vr_fail "collectd's VmRSS grew from $rss0 kB to $rss1 kB over 1000 edits (> $rss_slack kB)"

fault_clean_stop
echo "PASS: fault-storm ($(($(date +%s) - VR_T0))s)"
