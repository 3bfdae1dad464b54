#!/bin/bash
# SPDX-License-Identifier: MIT
# Host context (doc/design.md, "Host context", ReportHost default true): a real collectd loads the
# built virt_resctrl.so against a private libvirtd running two QEMU guests and the resctrl emulator
# (cache ids 0 and 8), csv as the writer. Every RMID's own values are set exactly through the
# emulator's control channel: the root group, a CTRL_MON group c1 holding g2's vCPUs (as libvirt's
# cachetune puts them), an empty CTRL_MON group c2 of another tool, and our three MON groups (two
# under the root, one under c1). The kernel reads a CTRL_MON group as its own RMID plus its MON
# groups (mon_event_count; the emulator models it), so the whole host is root + c1 + c2. Asserts:
# - plugin_instance "host" = the sum of every RMID, "vms" = the sum of our three groups, bytes and
#   percent exact on both caches, beside the groups' own series;
# - counters: with every counter still, host and vms totals stay still; after adding known bytes
#   to every RMID, each total grows by exactly the bytes of its members;
# - counters advancing (the emulator's own values, growing at a steady rate per RMID), one of ours
#   restarting under the root: over any 5 consecutive reads of 12 with no group made or removed,
#   vms grows at most as much as host (+1 % for read skew);
# - one of our groups removed (metadata edit): host and vms occupancy exact without it, and neither
#   counter falls although the root's raw counter lost the group's bytes; then it grows exactly by
#   its remaining members' bytes;
# - c2 removed by its tool: the host occupancy loses c2's bytes, the host counter does not fall;
# - every host and vms counter line in csv is monotonic over the whole run.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
L3_0=33554432 L3_8=67108864
chain_emu_start 0,8 "$L3_0,$L3_8"

lv_define_guest g1 4 4 "<resmon xmlns=\"$NS\"><group vcpus=\"0-1\"/><group name=\"db\" vcpus=\"2,3\"/></resmon>"
lv_define_guest g2 2 2 "<resmon xmlns=\"$NS\"><group name=\"web\" vcpus=\"0-1\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
mkdir "$EMU_MNT/c1" "$EMU_MNT/c2"
for t in $(vcpu_tids g2 0 1); do echo "$t" >"$EMU_MNT/c1/tasks"; done
u1=$(dom_uuid g1) u2=$(dom_uuid g2)

chain_csv_collectd '  RefreshInterval 1'
want_groups="c1/mon_groups/vr_${u2}_web
mon_groups/vr_${u1}_db
mon_groups/vr_${u1}_vcpus_0,1"
groups_as_wanted() { [ "$(our_groups)" = "$want_groups" ]; }
until_true 10 groups_as_wanted || vr_fail "groups in the emulator: '$(our_groups | tr '\n' ' ')'"

# RMID i: 1 root, 2 c1, 3 c2, 4 g1:vcpus_0,1, 5 g1:db, 6 g2:web (its own counts, not the sums).
path_of() {
	case $1 in
	1) echo . ;;
	2) echo c1 ;;
	3) echo c2 ;;
	4) echo "mon_groups/vr_${u1}_vcpus_0,1" ;;
	5) echo "mon_groups/vr_${u1}_db" ;;
	6) echo "c1/mon_groups/vr_${u2}_web" ;;
	esac
}
B=1000000000000
llc_of() { echo $(($1 * 1048576 + ($2 == 8 ? 262144 : 0))); } # RMID, cache
total_of() { echo $((B + $1 * 1000000 + $2 * 1000 + ${3:-0})); } # RMID, cache, bytes added
local_of() { echo $((B / 2 + $1 * 100000 + $2 * 10 + ${3:-0})); }
inc_total() { echo $(($1 * 1000 + $2)); } # the bytes a step adds: RMID, cache
inc_local() { echo $(($1 * 100 + $2)); }
# set_all ADDED_STEPS RMID...: every RMID's values, its counters with ADDED_STEPS steps added
set_all() {
	local steps=$1 i c lines=()
	shift
	for i in "$@"; do
		for c in 0 8; do
			lines+=("$(path_of "$i") $c llc_occupancy $(llc_of "$i" $c)"
				"$(path_of "$i") $c mbm_total_bytes $(total_of "$i" $c $((steps * $(inc_total "$i" $c))))"
				"$(path_of "$i") $c mbm_local_bytes $(local_of "$i" $c $((steps * $(inc_local "$i" $c))))")
		done
	done
	emu_ctl "${lines[@]}"
}
sum_of() { # FUNCTION CACHE RMID...: the sum of FUNCTION over the RMIDs
	local f=$1 c=$2 s=0 i
	shift 2
	for i in "$@"; do s=$((s + $($f "$i" "$c"))); done
	echo "$s"
}
pct_of() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.6f", b * 100 / s }'; }
size_of() { if [ "$1" = 8 ]; then echo $L3_8; else echo $L3_0; fi; }

# expect_occupancy "HOST_RMIDS" "VMS_RMIDS": bytes and percent of host and vms on both caches
expect_occupancy() {
	local c scope rmids b f
	for c in 0 8; do
		for scope in host vms; do
			rmids=$1
			[ "$scope" = vms ] && rmids=$2
			# shellcheck disable=SC2086 # the RMIDs are words
			b=$(sum_of llc_of "$c" $rmids)
			f=$(csv_file "$scope" bytes-llc-$c)
			csv_wait_value "$f" "$b" 10 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $b (RMIDs $rmids)"
			f=$(csv_file "$scope" percent-llc-$c)
			csv_wait_value "$f" "$(pct_of "$b" "$(size_of $c)")" 5 ||
				vr_fail "csv: $f ends in '$(csv_last "$f")', want $(pct_of "$b" "$(size_of $c)")"
		done
	done
}
# counters SCOPE: "total-0 local-0 total-8 local-8" values, now
counters() {
	local m
	for m in total-0 local-0 total-8 local-8; do
		printf '%s ' "$(csv_last "$(csv_file "$1" memory_bandwidth-$m)")"
	done
}
# wait_reads N: until N more values of host's total-0 went out
wait_reads() {
	local f n
	f=$(csv_file host memory_bandwidth-total-0)
	n=$(csv_lines "$f")
	until_true 10 lines_at_least "$f" $((n + $1)) || vr_fail "csv: $f stopped growing"
}
# expect_growth SCOPE "BEFORE" STEPS RMID...: each counter of SCOPE is BEFORE plus STEPS steps of
# the RMIDs' bytes
expect_growth() {
	local scope=$1 before=$2 steps=$3 want=() m c kind i add f k=0
	shift 3
	# shellcheck disable=SC2206 # split the four values
	local old=($before)
	for m in total-0 local-0 total-8 local-8; do
		kind=${m%-*} c=${m#*-} add=0
		for i in "$@"; do add=$((add + steps * $("inc_$kind" "$i" "$c"))); done
		want+=($((old[k] + add)))
		f=$(csv_file "$scope" memory_bandwidth-$m)
		csv_wait_value "$f" "${want[k]}" 10 ||
			vr_fail "csv: $scope $m ends in '$(csv_last "$f")', want ${old[k]} + $add = ${want[k]} (RMIDs $*)"
		k=$((k + 1))
	done
}

# 1. Exact occupancy of the whole host and of our groups, beside the groups' own series.
set_all 0 1 2 3 4 5 6
expect_occupancy "1 2 3 4 5 6" "4 5 6"
for g in g1:vcpus_0,1 g1:db g2:web; do
	[ "$(csv_lines "$(csv_file "$g" bytes-llc-0)")" -ge 1 ] || vr_fail "csv: no series of $g beside host and vms"
done
vr_log "host = root + c1 + c2 (+ their MON groups): $(csv_last "$(csv_file host bytes-llc-0)") B on L3 0, vms = our 3 groups: $(csv_last "$(csv_file vms bytes-llc-0)") B"

# 2. Counters: still while every counter is still, then exactly the bytes added.
wait_reads 2
h0=$(counters host) v0=$(counters vms)
wait_reads 3
[ "$(counters host)" = "$h0" ] || vr_fail "host counters moved with every RMID's counter still: '$h0' -> '$(counters host)'"
[ "$(counters vms)" = "$v0" ] || vr_fail "vms counters moved with every RMID's counter still: '$v0' -> '$(counters vms)'"
set_all 1 1 2 3 4 5 6
expect_growth host "$h0" 1 1 2 3 4 5 6
expect_growth vms "$v0" 1 4 5 6
vr_log "counters: host and vms still, then exactly +1 step of their members (host total-0 $(counters host | cut -d' ' -f1))"

# 3. Counters advancing: our counters back to the emulator's own values, which grow with time at a
# steady rate per RMID, each computed when its file is read (a CTRL_MON group's file sums its MON
# groups' at that moment, mon_event_count); the root's and c1's own RMIDs still. Over 12 reads in
# which no group is made or removed, while g1:db's counter restarts once (as a counter reassigned
# under ABMC does), the growth of vms over any 5 consecutive reads is at most the growth of host
# (+1 % for read skew): the root's whole counter goes down with g1:db's, yet host must go on
# counting g1:vcpus_0,1 under it as vms does.
lines=()
for i in 4 5 6; do
	for c in 0 8; do
		lines+=("$(path_of "$i") $c mbm_total_bytes Default" "$(path_of "$i") $c mbm_local_bytes Default")
	done
done
emu_ctl "${lines[@]}"
wait_reads 2 # the counters fell to the emulator's values: a baseline for every member
n_from=$(csv_lines "$(csv_file host memory_bandwidth-total-0)")
wait_reads 6
emu_ctl "$(path_of 5) 0 mbm_total_bytes 1000" "$(path_of 5) 0 mbm_local_bytes 1000" \
	"$(path_of 5) 8 mbm_total_bytes 1000" "$(path_of 5) 8 mbm_local_bytes 1000"
wait_reads 6
for m in total-0 local-0 total-8 local-8; do
	# shellcheck disable=SC2046 # the day files
	awk -F, -v from="$n_from" -v m="$m" '
		NR == 1 || /^--$/ { file++ }
		/^[0-9]/ { k = ++rows[file]; if (k > from) { t[file, k - from] = $1; v[file, k - from] = $2 + 0 } }
		END {
			n = rows[1] - from; if (rows[2] - from < n) n = rows[2] - from
			if (n < 12) { print m ": only " n " reads"; exit 1 }
			for (i = 1; i <= n; i++) if (t[1, i] - t[2, i] > 0.5 || t[2, i] - t[1, i] > 0.5) {
				print m ": read " i " of host at " t[1, i] ", of vms at " t[2, i]; exit 1 }
			for (i = 1; i + 5 <= n; i++) {
				dh = v[1, i + 5] - v[1, i]; dv = v[2, i + 5] - v[2, i]
				if (dh < 0 || dv < 0) { print m ": a total fell over reads " i "-" i + 5; bad = 1 }
				if (dv > dh * 1.01) { printf "%s: reads %d-%d: vms grew %d, host %d\n", m, i, i + 5, dv, dh; bad = 1 }
			}
			exit bad
		}' <(cat $(csv_day_files "$(csv_file host memory_bandwidth-$m)") && echo -- &&
			cat $(csv_day_files "$(csv_file vms memory_bandwidth-$m)")) ||
		vr_fail "csv: vms grew more than host over 5 reads ($m)"
done
vr_log "counters advancing, g1:db restarted: over every 5 of 12 reads vms grew at most host's growth (+1 %)"
# Numbers again for the exact steps below: a jump up, counted as growth like any counter rising.
set_all 1 1 2 3 4 5 6


# 4. Our group g1:db removed: the root's counter loses its bytes, host and vms do not fall.
wait_reads 2
h1=$(counters host) v1=$(counters vms)
set_md g1 "<resmon xmlns=\"$NS\"><group vcpus=\"0-1\"/></resmon>"
until_true 10 no_group g1 db || vr_fail "g1:db still in resctrl after the metadata edit"
expect_occupancy "1 2 3 4 6" "4 6"
wait_reads 3
[ "$(counters host)" = "$h1" ] || vr_fail "host counters changed when g1:db went: '$h1' -> '$(counters host)'"
[ "$(counters vms)" = "$v1" ] || vr_fail "vms counters changed when g1:db went: '$v1' -> '$(counters vms)'"
set_all 2 1 2 3 4 6
expect_growth host "$h1" 1 1 2 3 4 6
expect_growth vms "$v1" 1 4 6
vr_log "g1:db removed: occupancy without it, counters did not fall, then +1 step of the rest"

# 5. c2 removed by the tool that made it: the host loses its occupancy, not its counted bytes.
wait_reads 2
h2=$(counters host) v2=$(counters vms)
rmdir "$EMU_MNT/c2"
expect_occupancy "1 2 4 6" "4 6"
wait_reads 3
[ "$(counters host)" = "$h2" ] || vr_fail "host counters changed when c2 went: '$h2' -> '$(counters host)'"
[ "$(counters vms)" = "$v2" ] || vr_fail "vms counters changed when c2 went: '$v2' -> '$(counters vms)'"
vr_log "c2 removed: host occupancy without it, host counters kept"

# 6. Every counter line of host and vms, over the whole run: never down.
for scope in host vms; do
	for m in total-0 local-0 total-8 local-8; do
		f=$(csv_file "$scope" memory_bandwidth-$m)
		# shellcheck disable=SC2046 # the day files
		awk -F, '/^[0-9]/ { if (seen && $2 + 0 < last) { print "down at " $1 ": " last " -> " $2; bad = 1 } last = $2 + 0; seen = 1 }
			END { exit bad }' $(csv_day_files "$f") || vr_fail "csv: $f went down"
	done
done
vr_log "host and vms counters monotonic over $(csv_lines "$(csv_file host memory_bandwidth-total-0)") reads"

collectd_no_errors "$log"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-host-context"
