#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole chain, values side (doc/design.md, "Data flow"): a real collectd loads the built
# virt_resctrl.so against a private libvirtd running two QEMU guests with metadata and the resctrl
# emulator (cache ids 0 and 8, so mon_L3_08 is exercised) with a sysfs fixture of different L3
# sizes; values go to csv, write_graphite -> carbon-cache, network -> InfluxDB, and through the
# threshold plugin. Asserts: tasks files hold exactly each group's vCPU threads under the right
# parent; one series per group, cache id and metric with the values set through the emulator's
# control channel, percent from the fixture's sizes; the same values in whisper and InfluxDB (with
# their tags); the invalid group of g2 gives one log line and one notification while g2's valid
# group reports; Unavailable/Error values are skipped (never a zero) while their neighbours go on;
# threshold WARNING then OKAY.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"
. "$VR_SRCDIR/tests/support/carbon.sh"
. "$VR_SRCDIR/tests/support/influxdb.sh"

chain_setup
carbon_start "$VR_TMP/carbon"
influxdb_start "$VR_TMP/influx"
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
L3_0=33554432 L3_8=16777216
chain_emu_start 0,8 "$L3_0,$L3_8"

lv_define_guest g1 4 4 "<resmon xmlns=\"$NS\"><group vcpus=\"0-1\"/><group name=\"db\" vcpus=\"2,3\"/></resmon>"
# vCPU 5 is not below g2's maximum of 2: that group is invalid, "web" beside it is fine.
lv_define_guest g2 2 2 "<resmon xmlns=\"$NS\"><group name=\"bad\" vcpus=\"5\"/><group name=\"web\" vcpus=\"0-1\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
# g2's vCPUs sit in a CTRL_MON group (as libvirt's <cachetune> puts them): its MON group must be
# made under c1, not under the root.
mkdir "$EMU_MNT/c1"
for t in $(vcpu_tids g2 0 1); do echo "$t" >"$EMU_MNT/c1/tasks"; done
vr_log "guests g1 ($(dom_uuid g1)) and g2 ($(dom_uuid g2)) running"

cd_dir=$VR_TMP/collectd
CSV_DIR=$cd_dir/csv
collectd_conf -p -i 1 "$cd_dir" <<EOF
$(collectd_writer_blocks "$CSV_DIR" 30)
$(chain_plugin_block '  RefreshInterval 1')
EOF
collectd_start "$cd_dir"
log=$cd_dir/collectd.log

# 1. Groups and their tasks: exactly g1's two groups under the root and g2's "web" under c1.
u1=$(dom_uuid g1) u2=$(dom_uuid g2)
want_groups="c1/mon_groups/vr_${u2}_web
mon_groups/vr_${u1}_db
mon_groups/vr_${u1}_vcpus_0,1"
groups_as_wanted() { [ "$(our_groups)" = "$want_groups" ]; }
until_true 10 groups_as_wanted ||
	vr_fail "groups in the emulator: '$(our_groups | tr '\n' ' ')', want '$(echo "$want_groups" | tr '\n' ' ')'"
wait_group_tasks g1 vcpus_0,1 "$(vcpu_tids g1 0 1)" 5 ||
	vr_fail "g1 vcpus_0,1 tasks '$(group_tasks g1 vcpus_0,1)', want vCPU 0,1 threads '$(vcpu_tids g1 0 1)'"
wait_group_tasks g1 db "$(vcpu_tids g1 2 3)" 5 ||
	vr_fail "g1 db tasks '$(group_tasks g1 db)', want vCPU 2,3 threads '$(vcpu_tids g1 2 3)'"
wait_group_tasks g2 web "$(vcpu_tids g2 0 1)" 5 ||
	vr_fail "g2 web tasks '$(group_tasks g2 web)', want vCPU 0,1 threads '$(vcpu_tids g2 0 1)'"
vr_log "groups: $(our_groups | tr '\n' ' ')with the vCPU threads libvirt reports"

# 2. Values through the control channel: distinct per group, cache id and feature.
groups="g1:vcpus_0,1 g1:db g2:web"
ctl_path() { # INSTANCE -> group path relative to the mount
	case $1 in
	g1:*) echo "mon_groups/vr_${u1}_${1#g1:}" ;;
	g2:*) echo "c1/mon_groups/vr_${u2}_${1#g2:}" ;;
	esac
}
# llc bytes, total counter, local counter for group number k (1..3) and cache c. The counters start
# at B, above any synthetic counter the plugin may have read before: a lower value would be a
# restart, which the plugin carries (doc/design.md, "Counter resets") instead of writing the raw
# counter.
B=1000000000000
llc_of() { echo $(((k * 1048576) + (c == 8 ? 524288 : 0))); }
total_of() { echo $((B + k * 100000000 + c * 1000000 + 11)); }
local_of() { echo $((B + k * 10000000 + c * 100000 + 7)); }
k=0
for g in $groups; do
	k=$((k + 1))
	for c in 0 8; do
		emu_ctl "$(ctl_path "$g") $c llc_occupancy $(llc_of)" \
			"$(ctl_path "$g") $c mbm_total_bytes $(total_of)" \
			"$(ctl_path "$g") $c mbm_local_bytes $(local_of)"
	done
done
k=0
for g in $groups; do
	k=$((k + 1))
	for c in 0 8; do
		size=$L3_0
		[ "$c" = 8 ] && size=$L3_8
		f=$(csv_file "$g" bytes-llc-$c)
		csv_wait_value "$f" "$(llc_of)" 10 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(llc_of)"
		f=$(csv_file "$g" memory_bandwidth-total-$c)
		csv_wait_value "$f" "$(total_of)" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(total_of)"
		f=$(csv_file "$g" memory_bandwidth-local-$c)
		csv_wait_value "$f" "$(local_of)" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $(local_of)"
		pct=$(awk -v b="$(llc_of)" -v s="$size" 'BEGIN { printf "%.6f", b * 100 / s }')
		f=$(csv_file "$g" percent-llc-$c)
		csv_wait_value "$f" "$pct" 5 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $pct (of an L3 of $size bytes)"
	done
done
# One series per group per cache id per metric, and the host context's (ReportHost default true:
# host and vms, tests/e2e/test-host-context.sh checks their values), nothing else from virt_resctrl.
want_series=$(for g in $groups host vms; do for c in 0 8; do
	for m in bytes-llc percent-llc memory_bandwidth-total memory_bandwidth-local; do
		echo "virt_resctrl-$g/$m-$c"
	done
done; done | sort)
got_series=$(cd "$CSV_DIR/$COLLECTD_HOST" && find . -path './virt_resctrl-*' -type f | sed "s|^\./||; s|-$CSV_DAY_GLOB\$||" | sort -u)
[ "$got_series" = "$want_series" ] ||
	vr_fail "csv series: got '$(echo "$got_series" | tr '\n' ' ')', want '$(echo "$want_series" | tr '\n' ' ')'"
vr_log "csv: 40 series ((3 groups + host + vms) x 2 cache ids x 4 metrics) with the values set, percent of 32 MiB / 16 MiB"

# 3. carbon: <host>.virt_resctrl-<domain>_<group>.<type>-<type_instance> (':' and ',' escaped to '_').
k=0
for g in $groups; do
	k=$((k + 1))
	for c in 0 8; do
		m=$COLLECTD_HOST.virt_resctrl-$(echo "$g" | tr :, __).bytes-llc-$c
		carbon_wait_value "$m" 15 || vr_fail "carbon: no $m ($(cd "$CARBON_DIR/storage/whisper" && find . -name '*.wsp' | head -n 30 | tr '\n' ' '))"
		carbon_wait_equals "$m" "$(llc_of)" 10 || vr_fail "carbon: $m = $(carbon_last "$m"), want $(llc_of)"
	done
done
m=$COLLECTD_HOST.virt_resctrl-g2_web.percent-llc-8
carbon_wait_value "$m" 5 || vr_fail "carbon: no $m"
carbon_wait_equals "$m" 21.875 10 || vr_fail "carbon: $m = $(carbon_last "$m"), want 21.875"
vr_log "carbon: bytes of every group and cache id, percent of g2:web on cache 8"

# 4. InfluxDB: points with tags host, instance, type, type_instance.
for spec in "g1:db bytes llc-8 2621440" "g1:vcpus_0,1 memory_bandwidth total-8 $((B + 108000011))" \
	"g2:web percent llc-0 9.375" "g2:web memory_bandwidth local-0 $((B + 30000007))"; do
	# shellcheck disable=SC2086 # split the spec into words
	set -- $spec
	q="SELECT value, host, instance, type, type_instance FROM virt_resctrl_value WHERE instance='$1' AND type='$2' AND type_instance='$3' ORDER BY time DESC LIMIT 1"
	influxdb_wait_rows "$q" 15 || vr_fail "influxdb: no point for $q"
	row=$(influx_last_row "$q")
	echo "$row" | awk -F'|' -v v="$4" -v h="$COLLECTD_HOST" -v i="$1" -v t="$2" -v ti="$3" \
		'{ exit !($1 + 0 == v + 0 && $2 == h && $3 == i && $4 == t && $5 == ti) }' ||
		vr_fail "influxdb: $q returned '$row', want value $4 with host $COLLECTD_HOST"
done
vr_log "influxdb: tagged points for bytes, percent, memory_bandwidth"

# 5. Unavailable and Error are skipped, never written as zero; the neighbours go on.
emu_ctl "mon_groups/vr_${u1}_db 8 llc_occupancy Unavailable" "$(ctl_path g2:web) 0 mbm_local_bytes Error"
sleep 1.5 # a read under way when the lines went in may still carry the old values
skipped="$(csv_file g1:db bytes-llc-8) $(csv_file g1:db percent-llc-8) $(csv_file g2:web memory_bandwidth-local-0)"
counts=$(for f in $skipped; do csv_lines "$f"; done | tr '\n' ' ')
neighbour=$(csv_file g1:db memory_bandwidth-total-8)
neighbour2=$(csv_file g2:web memory_bandwidth-total-0)
n0=$(csv_lines "$neighbour")
n2=$(csv_lines "$neighbour2")
neighbours_grew() { lines_at_least "$neighbour" $((n0 + 3)) && lines_at_least "$neighbour2" $((n2 + 3)); }
until_true 10 neighbours_grew ||
	vr_fail "csv: the neighbours of the Unavailable/Error values stopped ($neighbour: $(csv_lines "$neighbour") lines)"
[ "$(for f in $skipped; do csv_lines "$f"; done | tr '\n' ' ')" = "$counts" ] ||
	vr_fail "csv: values read as Unavailable/Error were written (lines before: $counts; now: $(for f in $skipped; do csv_lines "$f"; done | tr '\n' ' '))"
for f in $skipped; do
	if grep -Eq ',0(\.0+)?$' "$f"; then vr_fail "csv: a zero in $f"; fi
done
csv_wait_value "$(csv_file g1:db bytes-llc-0)" 2097152 1 || vr_fail "csv: g1:db bytes-llc-0 stopped"
emu_ctl "mon_groups/vr_${u1}_db 8 llc_occupancy 2621440" "$(ctl_path g2:web) 0 mbm_local_bytes $((B + 30000007))"
until_true 5 lines_at_least "$(csv_file g1:db bytes-llc-8)" $((${counts%% *} + 1)) ||
	vr_fail "csv: g1:db bytes-llc-8 did not come back once readable again"
vr_log "Unavailable (llc of g1:db on cache 8) and Error (local bandwidth of g2:web on 0): skipped, neighbours went on"

# 5b. "Unassigned" (ABMC: no MBM counter for this RMID) is never a zero either,
#     and is said once: one log line and one WARNING "no MBM counter assigned" naming domain and
#     group, however many intervals it lasts; an OKAY once the counter reads a number again.
unassigned_re="no MBM counter assigned"
from=$(($(wc -l <"$log") + 1))
total0=$(csv_file g2:web memory_bandwidth-total-0)
n_total0=$(csv_lines "$total0")
emu_ctl "$(ctl_path g2:web) 0 mbm_total_bytes Unassigned"
vr_wait_log_after "$log" "$from" "$unassigned_re" 10 || vr_fail "no line says g2:web has no MBM counter assigned"
sleep 3 # three more reads at Interval 1
lines=$(tail -n "+$from" "$log" | grep -c "virt_resctrl plugin: domain g2 group web: $unassigned_re" || true)
notes=$(tail -n "+$from" "$log" | grep -F "Notification: severity = WARNING" | grep -F "plugin_instance = g2:web" | grep -c "$unassigned_re" || true)
[ "$lines" = 1 ] || vr_fail "Unassigned: $lines log lines naming domain g2 group web, want 1"
[ "$notes" = 1 ] || vr_fail "Unassigned: $notes notifications for g2:web, want 1"
n_total1=$(csv_lines "$total0")
[ "$n_total1" -le $((n_total0 + 1)) ] || vr_fail "csv: Unassigned total-0 of g2:web still written ($n_total0 -> $n_total1 lines)"
if grep -Eq ',0(\.0+)?$' "$total0"; then vr_fail "csv: a zero in $total0"; fi
emu_ctl "$(ctl_path g2:web) 0 mbm_total_bytes Default"
vr_wait_log_after "$log" "$from" "Notification: severity = OKAY.*plugin_instance = g2:web.*assigned again" 10 ||
	vr_fail "no OKAY once g2:web's counter reads a number again"
vr_log "Unassigned (total bandwidth of g2:web on 0): said once ($lines line, $notes WARNING), no value, OKAY after"

# 6. threshold: g2:web over 30 % of cache 0 -> WARNING naming it; back under -> OKAY.
series_re='host = vr-test, plugin = virt_resctrl, plugin_instance = g2:web, type = percent, type_instance = llc-0'
from=$(($(wc -l <"$log") + 1))
emu_ctl "$(ctl_path g2:web) 0 llc_occupancy 13421772" # 40 % of 32 MiB
vr_wait_log_after "$log" "$from" "Notification: severity = WARNING, $series_re" 10 ||
	vr_fail "threshold: no WARNING for g2:web at 40 % of L3 0 > WarningMax 30"
from=$(grep -n "Notification: severity = WARNING, $series_re" "$log" | tail -n 1 | cut -d: -f1)
from=$((from + 1))
emu_ctl "$(ctl_path g2:web) 0 llc_occupancy 1048576"
vr_wait_log_after "$log" "$from" "Notification: severity = OKAY, $series_re" 10 ||
	vr_fail "threshold: no OKAY once g2:web dropped to 3 %"
vr_log "threshold: WARNING at 40 %, OKAY at 3 %"

# 7. The invalid group: one log line and one notification over all these resyncs (RefreshInterval 1).
bad_log=$(grep -F 'virt_resctrl plugin: domain g2 group bad: ' "$log" | grep -cv 'Notification:' || true)
bad_note=$(grep -E "Notification: severity = WARNING, host = vr-test, plugin = virt_resctrl, plugin_instance = g2:bad, message = domain g2 group bad: ." "$log" | grep -c . || true)
[ "$bad_log" = 1 ] || vr_fail "invalid group g2/bad: $bad_log log lines, want 1: $(grep -F 'group bad' "$log")"
[ "$bad_note" = 1 ] || vr_fail "invalid group g2/bad: $bad_note WARNING notifications, want 1: $(grep -F 'group bad' "$log")"
if grep -F 'g2:bad' "$log" | grep -q 'severity = OKAY'; then vr_fail "invalid group g2/bad was declared OKAY: $(grep -F 'g2:bad' "$log")"; fi
reason=$(grep -F 'virt_resctrl plugin: domain g2 group bad: ' "$log" | grep -v 'Notification:' | sed 's/.*group bad: //')
echo "$reason" | grep -q 5 || vr_fail "invalid group g2/bad: the reason '$reason' does not name vCPU 5"
[ -z "$(group_dir g2 bad)" ] || vr_fail "a resctrl group was made for the invalid group g2/bad"
passes=$(($(date +%s) - VR_T0))
vr_log "invalid group g2/bad: one log line and one WARNING ('$reason'), g2:web reports"

# Nothing else went wrong.
collectd_no_errors "$log"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
collectd_stop
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-chain-values (${passes}s)"
