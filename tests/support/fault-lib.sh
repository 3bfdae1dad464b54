# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# fault-lib.sh: what the fault-matrix tests (tests/reliability/fault-*.sh,
# doc/design.md, "Faults and hostile input") share on top of tests/support/chain-lib.sh. Source it
# from a bash test; it sources chain-prologue.sh itself.
#
#   chain_setup                   # vr_setup + a private libvirtd (chain-prologue.sh)
#   fault_emu_start IDS SIZES [EMU-OPTION...]  # chain_emu_start with extra emulator options
#                                 # (--num-rmids N, --limbo-ms MS, --no-alloc); may be called again
#                                 # after chain_emu_stop (a "remount")
#   fault_collectd_start REFRESH [EXTRA-PLUGIN-LINES]  # collectd, Interval 1, csv to CSV_DIR, our
#                                 # plugin with RefreshInterval REFRESH; sets CD_DIR, CD_LOG
#   fault_kill_collectd           # SIGKILL (no shutdown runs), reaped
#   fault_clean_stop [ERE]        # SIGTERM: exit 0 within 15 s, no group of ours left, no
#                                 # sanitizer report, no [error] line in the log but those matching ERE
#   until_true SECONDS CMD...     # poll CMD every 50 ms
#   (NS, set_md, has_group, no_group, has_value, lines_at_least: chain-lib.sh)
#   all_grow SECONDS INSTANCE...  # each one's bytes-llc-0 csv gains two lines within SECONDS; on
#                                 # failure prints the counts
#   notes SEVERITY INSTANCE       # how many notifications of SEVERITY for INSTANCE so far
#   wait_note SEVERITY INSTANCE N SECONDS  # until at least N of them
#   note_text SEVERITY INSTANCE   # the message of the last one
#   group_inode NAME GROUP        # inode of the group's directory (same directory or a new one)
#   our_groups_of_uuid UUID       # our group directories for that domain UUID
#   warnings_raised               # instances whose last notification is a WARNING (open problems)
#   fault_hold_flock DIR SECS     # another locker (libvirt, pqos) takes DIR's flock for SECS at
#                                 # most; sets FLOCK_HOLDER (its pid: stop it to release the lock)
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

# chain-lib's dom_uuid asks libvirtd, which is down in some cases: remember each answer.
dom_uuid() {
	local f=$VR_TMP/uuid.$1
	[ -s "$f" ] || lv_virsh domuuid "$1" | tr -d ' \n' >"$f"
	cat "$f"
}
EMU_REAL_BIN=$EMU_BIN

fault_emu_start() {
	local ids="$1" sizes="$2" a
	shift 2
	[ -x "$EMU_REAL_BIN" ] || vr_fail "$EMU_REAL_BIN is not built (make)"
	# chain_emu_start runs EMU_BIN with its own options: a wrapper adds ours. exec keeps the pid.
	EMU_BIN=$VR_TMP/resctrl-emu-wrap
	{
		echo '#!/bin/sh'
		printf 'exec %q' "$EMU_REAL_BIN"
		for a in "$@"; do printf ' %q' "$a"; done
		echo ' "$@"'
	} >"$EMU_BIN"
	chmod +x "$EMU_BIN"
	chain_emu_start "$ids" "$sizes"
}

fault_collectd_start() {
	local refresh="$1" extra="${2:-}"
	CD_DIR=$VR_TMP/collectd
	CSV_DIR=$CD_DIR/csv
	CD_LOG=$CD_DIR/collectd.log
	collectd_conf -p -i 1 "$CD_DIR" <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$CSV_DIR"
  StoreRates false
</Plugin>
$(chain_plugin_block "  RefreshInterval $refresh
$extra")
EOF
	collectd_start "$CD_DIR"
}

fault_kill_collectd() {
	kill -KILL "$COLLECTD_PID"
	wait "$COLLECTD_PID" 2>/dev/null || true
	COLLECTD_PID=
}

fault_clean_stop() {
	chain_stop_clean
	no_sanitizer_report "$CD_DIR/collectd.stdout"
	collectd_no_errors "$CD_LOG" "${1:-}"
}

# fault_hold_flock DIR SECS: another locker on a descriptor of its own; the
# process that ends up holding it (sleep, after exec) is FLOCK_HOLDER, so
# stopping it releases the lock. Returns once the lock is seen held.
fault_hold_flock() {
	local dir=$1 secs=$2
	(
		exec 9<"$dir"
		flock -x 9
		exec sleep "$secs"
	) &
	FLOCK_HOLDER=$!
	vr_on_cleanup "vr_stop_pid $FLOCK_HOLDER sleep 5"
	flock_held() { ! flock -n "$dir" true; }
	until_true 30 flock_held || vr_fail "the test's flock on $dir is not held"
}

# all_grow SECONDS INSTANCE...: each one's bytes-llc-0 csv gains two lines, all within SECONDS
all_grow() {
	local secs="$1" i want=
	shift
	for i in "$@"; do want="$want $(($(csv_lines "$(csv_file "$i" bytes-llc-0)") + 2))"; done
	all_grown() {
		local i w
		set -- $ALL_GROW_INST
		for w in $want; do
			i=$1
			shift
			lines_at_least "$(csv_file "$i" bytes-llc-0)" "$w" || return 1
		done
	}
	ALL_GROW_INST="$*"
	until_true "$secs" all_grown || {
		for i in "$@"; do printf '%s (%s lines) ' "$i" "$(csv_lines "$(csv_file "$i" bytes-llc-0)")"; done
		echo "(want$want)"
		return 1
	}
}

note_re() { echo "Notification: severity = $1, host = $COLLECTD_HOST, plugin = virt_resctrl, plugin_instance = $2, message = "; }
notes() { grep -cF "$(note_re "$1" "$2")" "$CD_LOG" || true; }
note_at_least() { [ "$(notes "$1" "$2")" -ge "$3" ]; }
wait_note() { until_true "$4" note_at_least "$1" "$2" "$3"; }
note_text() { grep -F "$(note_re "$1" "$2")" "$CD_LOG" | tail -n 1 | sed 's/.*, message = //'; }

group_inode() {
	local d
	d=$(group_dir "$1" "$2")
	[ -n "$d" ] && stat -c %i "$EMU_MNT/$d"
}

our_groups_of_uuid() { our_groups | grep -F "vr_$1_" || true; }

warnings_raised() {
	grep -F 'Notification: severity = ' "$CD_LOG" | grep -F 'plugin = virt_resctrl,' |
		sed 's/.*severity = \([A-Z]*\),.*plugin_instance = \([^,]*\),.*/\2 \1/' |
		awk '{ last[$1] = $2 } END { for (i in last) if (last[i] == "WARNING") print i }' | sort
}
