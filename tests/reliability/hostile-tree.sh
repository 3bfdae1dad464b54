#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile resctrl tree (doc/design.md, "Faults and hostile input"): the plugin in a real collectd,
# against roots holding symlinks and unexpected entries, through several resyncs (RefreshInterval 1)
# and a shutdown; asserts by watching that nothing outside our own groups was written, created or
# removed.
#   root A (plain directories shaped like resctrl): mon_groups/vr_<uuid>_a is a symlink to a
#     directory outside (named exactly like one of our groups); c_out is a symlink to an outside
#     CTRL_MON-like directory whose tasks lists vCPU 1's thread; c_etc is a symlink to /etc; junk
#     files and directories named almost like ours (wrong prefix, bad UUID, group starting with '.',
#     empty group, '..'-looking); a foreign MON group; a junk file in info/.
#   root B (plain): mon_groups itself is a symlink to a directory outside.
#   root C (the emulator): near-miss directories and a foreign MON group made with mkdir.
# Checks: every path of each root keeps its type, mode, mtime, symlink target and (regular files;
# the emulator's mon_data excepted, its counters move by themselves; the emulator's mtimes are the
# time of the stat, so not compared there) content (a tasks file as a set: the emulator lists a task
# moved back from a removed group last), except the mtime of
# a mon_groups directory where our own groups came and went; the outside directory is identical
# (snapshot) and inotifywait saw no event in it; /etc gained no tasks, mon_groups or vr_* entry.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

command -v inotifywait >/dev/null || vr_fail "inotifywait is missing (apt-get install inotify-tools)"
chain_setup
chain_emu_start 0 33554432
lv_define_guest h1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_start_guest h1
u=$(dom_uuid h1)
t0=$(vcpu_tids h1 0)
t1=$(vcpu_tids h1 1)

# The outside world: what the symlinks point at.
OUT=$VR_TMP/outside
mkdir -p "$OUT/grp/mon_data/mon_L3_00" "$OUT/ctrl/mon_groups" "$OUT/mg"
echo "$t0" >"$OUT/grp/tasks"
echo 5 >"$OUT/grp/mon_data/mon_L3_00/llc_occupancy"
echo "$t1" >"$OUT/ctrl/tasks"
echo keep >"$OUT/mg/readme"

plain_root() { # DIR: the files the plugin needs to take DIR for resctrl
	mkdir -p "$1/info/L3_MON" "$1/mon_data/mon_L3_00"
	printf 'llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n' >"$1/info/L3_MON/mon_features"
	echo 32 >"$1/info/L3_MON/num_rmids"
	printf '%s\n%s\n' "$t0" "$t1" >"$1/tasks"
	for f in llc_occupancy mbm_total_bytes mbm_local_bytes; do echo 7 >"$1/mon_data/mon_L3_00/$f"; done
}
A=$VR_TMP/rootA
plain_root "$A"
mkdir "$A/mon_groups"
ln -s "$OUT/grp" "$A/mon_groups/vr_${u}_a"
ln -s "$OUT/ctrl" "$A/c_out"
ln -s /etc "$A/c_etc"
echo junk >"$A/mon_groups/junk.txt"
echo junk >"$A/info/junk"
for d in "vx_${u}_a" "vr_not-a-uuid_a" "vr_${u}_.hidden" "vr_${u}_" "vr_${u}_..b" ".._vr_${u}_b" "VR_${u}_b"; do
	mkdir "$A/mon_groups/$d"
	echo "$t1" >"$A/mon_groups/$d/tasks"
done
mkdir "$A/mon_groups/pqos_1"
: >"$A/mon_groups/pqos_1/tasks"
B=$VR_TMP/rootB
plain_root "$B"
ln -s "$OUT/mg" "$B/mon_groups"
C=$EMU_MNT
for d in "vx_${u}_a" "vr_not-a-uuid_a" "VR_${u}_b" foreign; do mkdir "$C/mon_groups/$d"; done
mkdir "$C/c1"

snapshot() { # ROOT [EXCLUDE-REGEX]: one line per path: type mode mtime target, and a content hash
	(cd "$1" && find . -printf '%y %m %T@ %p -> %l\n' | sort) |
		while IFS= read -r line; do
			p=${line#* * * }
			p=${p%% -> *}
			case $line in
			f*) if [ -n "${2:-}" ] && echo "$p" | grep -Eq "$2"; then h=-; elif [ "${p##*/}" = tasks ]; then h=$(sort -n "$1/$p" | md5sum | cut -c1-32); else h=$(md5sum <"$1/$p" | cut -c1-32); fi ;;
			*) h=- ;;
			esac
			echo "$line $h"
		done
}
# the mtime of mon_groups directories may change (our groups came and went): blank it there
# (the emulator gives every entry the time of the stat as mtime: NOMTIME=1 blanks them all there)
norm() {
	if [ "${NOMTIME:-0}" = 1 ]; then sed -E 's#^(. [0-7]+ )[0-9.]+ #\1* #'; else sed -E 's#^(d [0-7]+ )[0-9.]+ (.*/mon_groups -> )#\1* \2#'; fi
}
etc_marks() { ls -d /etc/tasks /etc/mon_groups /etc/vr_* 2>/dev/null || true; }

etc_before=$(etc_marks)
inotifywait -m -r -q -e modify,attrib,close_write,moved_to,moved_from,create,delete,delete_self \
	-o "$VR_TMP/inotify.log" "$OUT" &
INW_PID=$!
vr_on_cleanup 'vr_stop_pid "$INW_PID" inotifywait 2'
sleep 0.5
out_before=$(snapshot "$OUT")

run_root() { # NAME ROOT EXCLUDE: collectd on ROOT through several resyncs and a stop
	local name=$1 root=$2 excl=$3 before after dir=$VR_TMP/cd-$1
	# sorted again once mtimes are blanked: the emulator stamps each entry
	# with the time of the stat, so the first sort followed find's order,
	# which changes when a directory's entries come and go
	before=$(snapshot "$root" "$excl" | norm | sort)
	collectd_conf -p -i 1 "$dir" <<EOF
$(EMU_MNT=$root chain_plugin_block '  RefreshInterval 1')
EOF
	collectd_start "$dir"
	sleep 5
	collectd_stop
	after=$(snapshot "$root" "$excl" | norm | sort)
	if [ "$before" != "$after" ]; then
		diff <(echo "$before") <(echo "$after") >&2 || true
		vr_fail "root $name changed outside our groups (diff above: < before, > after)"
	fi
	no_sanitizer_report "$dir/collectd.stdout"
	vr_log "root $name: unchanged outside our groups after several resyncs and a stop ($(grep -c . "$dir/collectd.log") log lines)"
}
run_root A "$A" '^$'
run_root B "$B" '^$'
# emulator: group b (vCPU 1) is ours to make; a's vCPU 0 is free too. Both come and go.
# (its root tasks lists every task of the host, like the kernel's: not compared)
NOMTIME=1 run_root C "$C" '/mon_data/|^\./tasks$'
grep -Eq 'removed [1-9][0-9]* resctrl group' "$VR_TMP/cd-C/collectd.log" ||
	vr_fail "on the emulator the plugin made no group of its own: the run proves nothing"

out_after=$(snapshot "$OUT")
sleep 0.5
[ "$out_before" = "$out_after" ] || {
	diff <(echo "$out_before") <(echo "$out_after") >&2 || true
	vr_fail "the outside directory changed"
}
[ ! -s "$VR_TMP/inotify.log" ] || vr_fail "inotifywait saw writes outside: $(head -n 5 "$VR_TMP/inotify.log")"
[ "$(etc_marks)" = "$etc_before" ] || vr_fail "/etc gained: $(etc_marks)"
vr_log "nothing outside our own groups was written, created or removed"
