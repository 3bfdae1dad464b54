#!/bin/bash
# SPDX-License-Identifier: MIT
# Sub-NUMA Clustering end to end (doc/design.md, "resctrl rules", Domains): a real collectd loads
# the built virt_resctrl.so against a private libvirtd running one QEMU guest with metadata, and the
# resctrl emulator with
# --snc 2 (cache ids 0 and 8: mon_L3_00 holds mon_sub_L3_00 and _01, mon_L3_08 holds _02 and _03,
# each L3's files the sum of its nodes, num_rmids halved) and a sysfs fixture of a 32 MiB and a
# 16 MiB L3. With ReportSubNUMA true the csv writer must show, with the exact values set through the
# emulator's control channel:
#  1. one line naming SNC, its 4 nodes and the halved num_rmids;
#  2. per node: bytes-llc-<cache>-node<YY>, percent-llc-<cache>-node<YY> of the node's share of
#     the L3 (half of it), memory_bandwidth-total/local-<cache>-node<YY>;
#  3. each L3's own series as without SNC (the kernel's sums, percent of the whole L3), the host
#     context's per L3 only; nothing else.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
L3_0=33554432 L3_8=16777216
chain_emu_start 0,8 "$L3_0,$L3_8" --snc 2 --num-rmids 64

lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"db\" vcpus=\"0-1\"/></resmon>"
lv_start_guest g1
u1=$(dom_uuid g1)
vr_log "guest g1 ($u1) running"

chain_csv_collectd '  RefreshInterval 1
  ReportSubNUMA true'

# 1. SNC said once at open, with the kernel's halved num_rmids.
vr_wait_log "$log" "Sub-NUMA Clustering, 4 SNC node\\(s\\) below the L3 domains \\(num_rmids 32\\); reporting each node" 10 ||
	vr_fail "no line names SNC with 4 nodes and num_rmids 32: $(grep virt_resctrl "$log" | tail -n 3)"
until_true 10 has_group g1 db || vr_fail "no group db of g1 in the emulator: $(our_groups)"
wait_group_tasks g1 db "$(vcpu_tids g1 0 1)" 5 ||
	vr_fail "g1 db tasks '$(group_tasks g1 db)', want '$(vcpu_tids g1 0 1)'"
g=mon_groups/vr_${u1}_db

# 2. Node k (0-3) has llc k+1 MiB, total B + k*1000 + 11, local B + k*100 + 7; the counters start
# above any synthetic counter read before (a lower value is a restart, which the plugin carries).
B=1000000000000
llc_of() { echo $(((k + 1) * 1048576)); }
total_of() { echo $((B + k * 1000 + 11)); }
local_of() { echo $((B + k * 100 + 7)); }
for k in 0 1 2 3; do
	emu_ctl "$g node:$k llc_occupancy $(llc_of)" "$g node:$k mbm_total_bytes $(total_of)" \
		"$g node:$k mbm_local_bytes $(local_of)"
done
for k in 0 1 2 3; do
	c=0 share=$((L3_0 / 2))
	[ "$k" -ge 2 ] && c=8 share=$((L3_8 / 2))
	yy=$(printf '%02d' "$k")
	f=$(csv_file g1:db "bytes-llc-$c-node$yy")
	csv_wait_value "$f" "$(llc_of)" 10 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(llc_of)"
	pct=$(awk -v b="$(llc_of)" -v s="$share" 'BEGIN { printf "%.6f", b * 100 / s }')
	f=$(csv_file g1:db "percent-llc-$c-node$yy")
	csv_wait_value "$f" "$pct" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $pct (of a node's $share bytes)"
	f=$(csv_file g1:db "memory_bandwidth-total-$c-node$yy")
	csv_wait_value "$f" "$(total_of)" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(total_of)"
	f=$(csv_file g1:db "memory_bandwidth-local-$c-node$yy")
	csv_wait_value "$f" "$(local_of)" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(local_of)"
	vr_log "node $yy of L3 $c: $(llc_of) bytes = $pct % of its $share-byte share, counters exact"
done

# 3. The L3s: the kernel's sums, percent of the whole L3; and no other series.
for spec in "0 3145728 9.375 $((2 * B + 1022)) $((2 * B + 114))" \
	"8 7340032 43.75 $((2 * B + 5022)) $((2 * B + 514))"; do
	# shellcheck disable=SC2086 # split the spec into words
	set -- $spec
	f=$(csv_file g1:db "bytes-llc-$1")
	csv_wait_value "$f" "$2" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $2"
	f=$(csv_file g1:db "percent-llc-$1")
	csv_wait_value "$f" "$3" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $3"
	f=$(csv_file g1:db "memory_bandwidth-total-$1")
	csv_wait_value "$f" "$4" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $4"
	f=$(csv_file g1:db "memory_bandwidth-local-$1")
	csv_wait_value "$f" "$5" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $5"
	vr_log "L3 $1: the sum of its nodes, $2 bytes = $3 % of the L3"
done
want_series=$(for c in 0 8; do
	for m in bytes-llc percent-llc memory_bandwidth-total memory_bandwidth-local; do
		echo "virt_resctrl-g1:db/$m-$c"
		for n in $([ "$c" = 0 ] && echo 00 01 || echo 02 03); do echo "virt_resctrl-g1:db/$m-$c-node$n"; done
		# The host context (ReportHost, on by default) stays per L3.
		echo "virt_resctrl-host/$m-$c"
		echo "virt_resctrl-vms/$m-$c"
	done
done | sort)
got_series=$(cd "$CSV_DIR/$COLLECTD_HOST" && find . -path './virt_resctrl-*' -type f | sed "s|^\./||; s|-$CSV_DAY_GLOB\$||" | sort -u)
[ "$got_series" = "$want_series" ] ||
	vr_fail "csv series: got '$(echo "$got_series" | tr '\n' ' ')', want '$(echo "$want_series" | tr '\n' ' ')'"
vr_log "csv: 24 series of the group (2 L3s and 4 nodes x 4 metrics) and the host context's 16 per L3, nothing else"

collectd_no_errors "$log"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-chain-snc ($(($(date +%s) - VR_T0))s)"
