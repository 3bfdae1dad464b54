# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# chain-lib.sh: what the whole-chain tests (test-chain-*.sh) share on top of collectd-run.sh and
# libvirtd-env.sh: the resctrl emulator with a matching sysfs fixture, the plugin's config block,
# and readers for the emulator's tree and collectd's csv output. Source it after collectd-run.sh,
# from bash (libvirtd-env.sh needs bash):
#
#   chain_emu_start IDS SIZES [OPTION...]  # IDS "0,8", SIZES "33554432,16777216" (bytes, same
#                                 # order): a sysfs fixture under VR_TMP/sys (one cpuN per cache id,
#                                 # index3 with level/id/size in K) and resctrl-emu mounted on
#                                 # EMU_MNT with the control FIFO EMU_CTL and any further emulator
#                                 # OPTIONs ("--snc 2"), by vr_emu_start (emu.sh)
#   chain_emu_stop                # vr_emu_stop: stops it and detaches the mount
#   emu_ctl LINE...               # control lines "GROUP CACHE_ID FEATURE VALUE" (a timeout guards
#                                 # against a dead emulator: a FIFO write would block forever)
#   chain_plugin_block [EXTRA]    # the <Plugin virt_resctrl> block for LV_URI, EMU_MNT, the fixture
#   dom_uuid NAME                 # the domain's UUID
#   vcpu_tids NAME VCPU...        # the thread ids of those vCPUs (libvirt's status XML), sorted
#   our_groups                    # our group directories, relative to EMU_MNT, sorted
#   group_dir NAME GROUP          # the directory of our group of domain NAME, relative ("" if none)
#   group_tasks NAME GROUP        # its tasks file, sorted, one line
#   wait_group_tasks NAME GROUP WANT SECONDS  # until group_tasks prints WANT
#   has_group / no_group NAME GROUP  # domain NAME has / has no group GROUP of ours
#   NS                            # the resmon metadata namespace
#   set_md NAME XML               # virsh metadata --live: replace NAME's resmon metadata
#   csv_file INSTANCE FILE        # csv series of plugin virt_resctrl, e.g. csv_file g1:db bytes-llc-0:
#                                 # the path without the -YYYY-MM-DD that the csv plugin appends
#   csv_lines SERIES              # number of value lines over all its day files (0 when none)
#   csv_last SERIES               # the value of the last line of its newest day file
#   csv_wait_value SERIES VALUE SECONDS   # until the last value equals VALUE numerically
#   lines_at_least SERIES N       # the series holds at least N value lines
#   has_value INSTANCE            # csv holds a bytes-llc-0 value for INSTANCE (domain:group)
#   num_eq A B [EPSILON]          # numeric equality (|A - B| <= EPSILON, default 1e-6)
#   no_sanitizer_report FILE      # fail on an ASan/UBSan report in FILE
#   chain_stop_clean              # SIGTERM collectd: it exits 0 within 15 s and leaves no group of ours

# shellcheck source=tests/support/emu.sh
. "${VR_SRCDIR:?}/tests/support/emu.sh"
NS=urn:x-virt-resctrl:resmon:1
EMU_CTL=
# The csv plugin names a file by the day of the value's time: a test running across midnight
# finds a series in two files, so a series is read through all of them.
CSV_DAY_GLOB='[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'

chain_emu_start() {
	local ids="$1" sizes="$2" i=0 id size d extra
	shift 2
	extra=("$@")
	# shellcheck disable=SC2046 # split the comma list into words
	set -- $(echo "$sizes" | tr , ' ')
	for id in $(echo "$ids" | tr , ' '); do
		size=$1
		shift
		d=$VR_TMP/sys/devices/system/cpu/cpu$i/cache/index3
		mkdir -p "$d"
		echo 3 >"$d/level"
		echo "$id" >"$d/id"
		echo "$((size / 1024))K" >"$d/size"
		i=$((i + 1))
	done
	EMU_CTL=$VR_TMP/emu.ctl
	vr_emu_start "$VR_TMP/resctrl" --cache-ids "$ids" --control "$EMU_CTL" ${extra[@]+"${extra[@]}"}
	vr_log "resctrl-emu pid $EMU_PID on $EMU_MNT, cache ids $ids"
}

chain_emu_stop() { vr_emu_stop; }

emu_ctl() {
	# shellcheck disable=SC2016 # $1 is the inner shell's
	printf '%s\n' "$@" | timeout 5 sh -c 'cat >"$1"' sh "$EMU_CTL" || vr_fail "cannot write to the emulator's control FIFO"
}

chain_plugin_block() {
	cat <<EOF
<Plugin virt_resctrl>
  Connection "$LV_URI"
  ResctrlPath "$EMU_MNT"
  SysfsPath "$VR_TMP/sys"
  LibvirtRunPath "$LV_RUN_PATH"
${1:-}
</Plugin>
EOF
}

# chain_csv_conf PLUGIN_LINES: the configuration of a collectd at a 1 s interval under
# $VR_TMP/collectd with the csv writer (raw counters: StoreRates false) and our plugin configured
# as chain_plugin_block PLUGIN_LINES; sets cd_dir and CSV_DIR.
chain_csv_conf() {
	cd_dir=$VR_TMP/collectd
	CSV_DIR=$cd_dir/csv
	collectd_conf -p -i 1 "$cd_dir" <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$CSV_DIR"
  StoreRates false
</Plugin>
$(chain_plugin_block "$1")
EOF
}

# chain_csv_collectd PLUGIN_LINES: chain_csv_conf, then starts that collectd; sets log (its log
# file) too.
chain_csv_collectd() {
	chain_csv_conf "$1"
	collectd_start "$cd_dir"
	log=$cd_dir/collectd.log
}

dom_uuid() { lv_virsh domuuid "$1" | tr -d ' \n'; }

vcpu_tids() {
	local name="$1" v
	shift
	for v in "$@"; do
		lv_status_vcpu_tids "$name" | awk -F: -v v="$v" '$1 == v { print $2 }'
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

our_groups() {
	(cd "$EMU_MNT" && find . -maxdepth 3 -type d -name 'vr_*' -path '*/mon_groups/vr_*') | sed 's|^\./||' | sort
}

group_dir() {
	our_groups | grep -E "(^|/)mon_groups/vr_$(dom_uuid "$1")_$2\$" || true
}

group_tasks() {
	local d
	d=$(group_dir "$1" "$2")
	[ -n "$d" ] || return 0
	sort -n "$EMU_MNT/$d/tasks" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

group_tasks_are() { [ "$(group_tasks "$1" "$2")" = "$3" ]; }
wait_group_tasks() { until_true "$4" group_tasks_are "$1" "$2" "$3"; }

has_group() { [ -n "$(group_dir "$1" "$2")" ]; }
no_group() { [ -z "$(group_dir "$1" "$2")" ]; }
set_md() { lv_virsh metadata "$1" --uri "$NS" --key resmon --set "$2" --live >/dev/null; }

csv_file() { echo "$CSV_DIR/$COLLECTD_HOST/virt_resctrl-$1/$2"; }

# csv_day_files SERIES: its day files, oldest first (the glob sorts by name, that is by day)
csv_day_files() {
	local f
	for f in "$1"-$CSV_DAY_GLOB; do
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

csv_lines() {
	local n=0 f
	for f in $(csv_day_files "$1"); do n=$((n + $(grep -c '^[0-9]' "$f" || true))); done
	echo "$n"
}

csv_last() {
	local f
	f=$(csv_day_files "$1" | tail -n 1)
	[ -n "$f" ] && tail -n 1 "$f" | cut -d, -f2
	return 0
}

lines_at_least() { [ "$(csv_lines "$1")" -ge "$2" ]; }
has_value() { [ "$(csv_lines "$(csv_file "$1" bytes-llc-0)")" -ge 1 ]; }

num_eq() {
	awk -v a="$1" -v b="$2" -v e="${3:-0.000001}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= e) }'
}

csv_value_is() { num_eq "$(csv_last "$1")" "$2"; }
csv_wait_value() { until_true "$3" csv_value_is "$1" "$2"; }

no_sanitizer_report() {
	if grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$1" >"$VR_TMP/sanitizer"; then
		vr_fail "sanitizer report in $1: $(head -n 5 "$VR_TMP/sanitizer")"
	fi
}

collectd_gone() { ! vr_alive "$COLLECTD_PID"; }

chain_stop_clean() {
	local rc=0
	kill -TERM "$COLLECTD_PID"
	until_true 15 collectd_gone || vr_fail "collectd did not stop within 15 s of SIGTERM"
	wait "$COLLECTD_PID" || rc=$?
	COLLECTD_PID=
	[ "$rc" = 0 ] || vr_fail "collectd exited $rc on SIGTERM"
	[ -z "$(our_groups)" ] || vr_fail "groups of ours left after shutdown: $(our_groups | tr '\n' ' ')"
}

# influx_last_row 'InfluxQL': the query's last point as "v1|v2|..." (its columns after time), read as
# JSON from /query because influx's CSV output would split a value holding a comma ("vcpus_0,1").
influx_last_row() {
	curl -s -G "http://127.0.0.1:$INFLUX_HTTP_PORT/query" --data-urlencode db=collectd --data-urlencode "q=$1" |
		"$VR_PYTHON" -c '
import json, sys
series = json.load(sys.stdin)["results"][0].get("series") or [{"values": [[]]}]
print("|".join(str(v) for v in series[0]["values"][-1][1:]))
'
}
