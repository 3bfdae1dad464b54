#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "The metric table" and doc/design.md, "resctrl rules", Domains, in a real
# collectd, without libvirtd or QEMU (test:///default has no domain asking for groups): ResctrlPath
# is a tree laid out as a newer kernel's resctrl is, with monitoring the plugin does not know (a
# PERF_PKG resource with its domains, an L3 event it has no row for) and AMD's BMEC "_config" lines
# in mon_features. Must hold:
#  1. the plugin uses the L3 domains, and names what it skips in one line, said once over many
#     passes (RefreshInterval 1), never a "_config" line;
#  2. an L3 domain whose directory goes (its CPUs offline) and comes back is said once each.
set -eu
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
vr_setup

R=$VR_TMP/resctrl
mkdir -p "$R/info/L3_MON" "$R/info/L3" "$R/info/PERF_PKG_MON" "$R/mon_groups" \
	"$R/mon_data/mon_L3_00" "$R/mon_data/mon_L3_01" "$R/mon_data/mon_PERF_PKG_00" \
	"$R/mon_data/mon_PERF_PKG_01"
echo ok >"$R/info/last_cmd_status"
: >"$R/tasks"
printf 'llc_occupancy\nmbm_total_bytes\nmbm_total_bytes_config\nmbm_l3_future\n' >"$R/info/L3_MON/mon_features"
echo 32 >"$R/info/L3_MON/num_rmids"
echo 16 >"$R/info/L3/num_closids"
printf 'core_energy\nactivity\n' >"$R/info/PERF_PKG_MON/mon_features"
echo 16 >"$R/info/PERF_PKG_MON/num_rmids"
for d in mon_L3_00 mon_L3_01; do
	echo 4096 >"$R/mon_data/$d/llc_occupancy"
	echo 1000 >"$R/mon_data/$d/mbm_total_bytes"
done
for c in 0 1; do
	d=$VR_TMP/sys/devices/system/cpu/cpu$c/cache/index3
	mkdir -p "$d"
	echo 3 >"$d/level"
	echo "$c" >"$d/id"
	echo 32768K >"$d/size"
done

dir=$VR_TMP/collectd
printf '<Plugin virt_resctrl>\n  Connection "test:///default"\n  ResctrlPath "%s"\n  SysfsPath "%s"\n  RefreshInterval 1\n</Plugin>\n' \
	"$R" "$VR_TMP/sys" >"$VR_TMP/block"
collectd_conf -p -i 1 "$dir" <"$VR_TMP/block"
collectd_start "$dir"
log=$dir/collectd.log

# 1. The L3 domains, and one line naming what is skipped.
vr_wait_log "$log" "resctrl at $R: 2 L3 cache id\\(s\\), features 0xb" 10 ||
	vr_fail "the plugin did not open the tree with its 2 L3 domains: $(grep virt_resctrl "$log" | tail -n 3)"
vr_wait_log "$log" "offers monitoring this plugin does not know, skipped: " 5 ||
	vr_fail "no line names the monitoring the plugin skips"
line=$(grep -F 'does not know, skipped' "$log")
# PERF_PKG is known (core_energy, doc/design.md, "The metric table"); its activity has no row
case $line in *"PERF_PKG event(s) activity"*"L3 event(s) mbm_l3_future"* | *"L3 event(s) mbm_l3_future"*"PERF_PKG event(s) activity"*) ;;
*) vr_fail "the line does not name PERF_PKG's activity and mbm_l3_future: $line" ;;
esac
case $line in *_config*) vr_fail "a _config line was taken for an event: $line" ;; esac
sleep 4 # four passes more
n=$(grep -c 'does not know, skipped' "$log")
[ "$n" = 1 ] || vr_fail "the skipped monitoring was named $n times, want once"
vr_log "said once: ${line#*virt_resctrl plugin: }"

# 2. Domain 1 goes (the kernel removes mon_L3_01 everywhere) and comes back.
mv "$R/mon_data/mon_L3_01" "$VR_TMP/mon_L3_01.away"
vr_wait_log "$log" 'monitoring domain mon_L3_01 \(L3 cache id 1\) went away' 5 ||
	vr_fail "the plugin did not say that mon_L3_01 went away"
mv "$VR_TMP/mon_L3_01.away" "$R/mon_data/mon_L3_01"
vr_wait_log "$log" 'monitoring domain mon_L3_01 \(L3 cache id 1\) appeared; reporting it' 5 ||
	vr_fail "the plugin did not say that mon_L3_01 appeared"
sleep 2
[ "$(grep -c 'went away' "$log")" = 1 ] || vr_fail "'went away' said $(grep -c 'went away' "$log") times"
[ "$(grep -c 'appeared; reporting it' "$log")" = 1 ] || vr_fail "'appeared' said $(grep -c 'appeared; reporting it' "$log") times"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
collectd_stop
if grep -Eq 'ERROR: AddressSanitizer|runtime error:' "$dir/collectd.stdout"; then
	vr_fail "sanitizer report: $(head -n 5 "$dir/collectd.stdout")"
fi
echo "PASS: test-newer-kernel ($(($(date +%s) - VR_T0))s)"
