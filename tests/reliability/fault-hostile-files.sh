#!/bin/bash
# SPDX-License-Identifier: MIT
# Nothing blocks, nothing unbounded (doc/design.md, "Faults and hostile input"): a resctrl tree
# holding files no kernel makes, and another process holding resctrl's flock, with a real collectd
# (KeepFilesOpen false, so the read thread opens value files itself; RefreshInterval 1), a private
# libvirtd and the emulator. The files are bind mounts over the emulator's own files (its FUSE
# tree, like the kernel's, makes no FIFO, socket or device; the plugin's opens cross mounts):
#   tasks-fifo   a FIFO as the tasks file of a foreign MON group (read by every resync's full scan);
#   big-tasks    a 100 MB tasks file (12.5 million ids) of another foreign MON group;
#   value-files  a foreign CTRL_MON group c1 (read by ReportHost) whose llc_occupancy is a FIFO,
#                mbm_total_bytes a socket, mbm_local_bytes a character device (/dev/zero);
#   lock         another process holding the flock on the resctrl root while a change is due;
#   resmon       a FIFO among the value files of g1's group b while `virt-resmon stats g1` runs.
# Must hold: g1's groups a and b keep reporting; one warning per bad file, naming it and what it
# is, and no second one over later passes; while the lock is held, one line says so, the change
# waits, and it is made within seconds of the release; collectd's peak RSS (VmHWM) stays under
# 150 MB; `virt-resmon stats g1` returns while one of g1's own value files is a FIFO; SIGTERM to
# collectd completes within 20 s with every hostile file and the lock still in place.
# VR_HOSTILE_PARTS (default: all five) runs only the parts named, to show each one alone.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

PARTS=${VR_HOSTILE_PARTS:-tasks-fifo big-tasks value-files lock resmon}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
RSS_MAX_KB=153600
STOP_CAP=20
V=${VR_BUILDDIR:?}/contrib/virt-resmon
[ -x "$V" ] || vr_fail "$V not built (make contrib/virt-resmon)"
command -v flock >/dev/null || vr_fail "flock is missing (apt-get install util-linux)"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 3 3 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_start_guest g1
fault_collectd_start 1 "  KeepFilesOpen false"
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 20 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 20 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
stalled=$(all_grow 20 g1:a g1:b) || vr_fail "before any hostile file: no values for $stalled"

H=$VR_TMP/hostile
mkdir -p "$H"
mkfifo "$H/fifo"
"$VR_PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$H/sock"
# over FILE (below EMU_MNT) with SOURCE; unmounted (lazily) at exit, before the emulator stops
over() {
	mount --bind "$1" "$EMU_MNT/$2" || vr_fail "cannot bind $1 over $EMU_MNT/$2"
	vr_on_cleanup "umount -l '$EMU_MNT/$2' 2>/dev/null || true"
}
# the warnings about one file: "<mount>/<rel> is a FIFO, ..." and the like
said() { grep -cF "virt_resctrl plugin: $EMU_MNT/$1 $2" "$CD_LOG" || true; }
said_once() { [ "$(said "$1" "$2")" = 1 ]; }
declare -a BAD=()
if part tasks-fifo; then
	mkdir "$EMU_MNT/mon_groups/f_fifo"
	over "$H/fifo" mon_groups/f_fifo/tasks
	BAD+=("mon_groups/f_fifo/tasks|is a FIFO, not a regular file")
fi
if part big-tasks; then
	seq 1000000 13499999 >"$H/big"
	mkdir "$EMU_MNT/mon_groups/f_big"
	over "$H/big" mon_groups/f_big/tasks
	BAD+=("mon_groups/f_big/tasks|lists more than 65536 thread ids")
fi
if part value-files; then
	mkdir "$EMU_MNT/c1"
	over "$H/fifo" c1/mon_data/mon_L3_00/llc_occupancy
	over "$H/sock" c1/mon_data/mon_L3_00/mbm_total_bytes
	over /dev/zero c1/mon_data/mon_L3_00/mbm_local_bytes
	BAD+=("c1/mon_data/mon_L3_00/llc_occupancy|is a FIFO, not a regular file"
		"c1/mon_data/mon_L3_00/mbm_total_bytes|is a socket, not a regular file"
		"c1/mon_data/mon_L3_00/mbm_local_bytes|is a character device, not a regular file")
fi
vr_log "hostile files in place: ${#BAD[@]}"

# The peak RSS, checked in every wait below: a test that lets collectd grow
# by gigabytes would harm the machine it runs on.
rss_ok() {
	local hwm
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$COLLECTD_PID/status")
	[ "${hwm:-0}" -lt "$RSS_MAX_KB" ] || vr_fail "collectd's peak RSS is $hwm kB, over $RSS_MAX_KB kB"
}
# wait_s SECONDS CMD...: until CMD succeeds, for SECONDS of wall time (until_true counts tries,
# and a try of c_made runs a dozen programs: on a loaded machine 20 "seconds" of tries took minutes)
wait_s() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
tid_c=$(vcpu_tids g1 2)
c_made() { rss_ok && [ "$(group_tasks g1 c)" = "$tid_c" ]; }
values_flow() { # g1:a and g1:b each gain two values within 20 s, the RSS checked all along
	local fa fb wa wb
	fa=$(csv_file g1:a bytes-llc-0) fb=$(csv_file g1:b bytes-llc-0)
	wa=$(($(csv_lines "$fa") + 2)) wb=$(($(csv_lines "$fb") + 2))
	flowed() { rss_ok && lines_at_least "$fa" "$wa" && lines_at_least "$fb" "$wb"; }
	wait_s 20 flowed
}
holder=
take_lock() { # another locker, as libvirt or pqos
	fault_hold_flock "$EMU_MNT" 300
	holder=$FLOCK_HOLDER
}
part lock && take_lock
# A change due: a third group, which only a worker that is not stuck can make.
# (virsh bounded too: libvirtd waits for a client whose event thread is stuck)
timeout 60 virsh -q -c "$LV_URI" metadata g1 --uri "$NS" --key resmon --live --set \
	"<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/><group name=\"c\" vcpus=\"2\"/></resmon>" >/dev/null ||
	vr_fail "virsh metadata --live did not succeed within 60 s"
values_flow || vr_fail "with the hostile files: g1:a and g1:b stopped reporting"
if part lock; then
	no_group g1 c || vr_fail "group c was made while another process held the lock"
	vr_stop_pid "$holder" sleep 5
	wait_s 20 c_made || vr_fail "g1/c not made within 20 s of the lock's release: '$(group_tasks g1 c)'"
	vr_log "lock held: the change waited; released: group c made"
	take_lock
else
	wait_s 20 c_made || vr_fail "g1/c not made within 20 s: the worker is stuck ('$(group_tasks g1 c)')"
	vr_log "group c made: the worker is not stuck"
fi
# several more passes (RefreshInterval 1, Interval 1)
for _ in 1 2 3; do values_flow || vr_fail "with the hostile files: g1:a and g1:b stopped reporting"; done
vr_log "g1:a and g1:b keep reporting"

# virt-resmon stats reads g1's groups: one of their value files a FIFO for the while
if part resmon; then
	bdir=$(group_dir g1 b)
	[ -n "$bdir" ] || vr_fail "g1 has no group b"
	over "$H/fifo" "$bdir/mon_data/mon_L3_00/mbm_local_bytes"
	rc=0
	timeout 30 "$V" -c "$LV_URI" --resctrl "$EMU_MNT" stats g1 >"$VR_TMP/stats.out" 2>"$VR_TMP/stats.err" || rc=$?
	[ "$rc" != 124 ] || vr_fail "virt-resmon stats g1 did not return within 30 s"
	[ "$rc" = 0 ] || vr_fail "virt-resmon stats g1 exited $rc: $(cat "$VR_TMP/stats.err")"
	grep -q . "$VR_TMP/stats.out" || vr_fail "virt-resmon stats g1 printed nothing"
	[ "$(grep -cF "$EMU_MNT/$bdir/mon_data/mon_L3_00/mbm_local_bytes is a FIFO, not a regular file" "$VR_TMP/stats.err")" = 1 ] ||
		vr_fail "virt-resmon stats g1 did not name the FIFO once: $(cat "$VR_TMP/stats.err")"
	umount "$EMU_MNT/$bdir/mon_data/mon_L3_00/mbm_local_bytes"
	vr_log "virt-resmon stats g1 returned (rc $rc) with a FIFO among g1/b's value files"
fi

rss_ok
vr_log "collectd's peak RSS: $(awk '/^VmHWM:/ { print $2 }' "/proc/$COLLECTD_PID/status") kB (bound $RSS_MAX_KB kB)"

# SIGTERM with every hostile file (and the other process's lock) still there
t0=$(date +%s.%N)
kill -TERM "$COLLECTD_PID"
gone() { ! vr_alive "$COLLECTD_PID"; }
until_true "$STOP_CAP" gone || vr_fail "collectd did not exit within $STOP_CAP s of SIGTERM"
rc=0
wait "$COLLECTD_PID" || rc=$?
COLLECTD_PID=
[ "$rc" = 0 ] || vr_fail "collectd exited $rc after SIGTERM"
vr_log "SIGTERM -> exit 0 in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
no_sanitizer_report "$CD_DIR/collectd.stdout"
[ -z "$(our_groups)" ] || vr_fail "groups of ours left after the stop: $(our_groups | tr '\n' ' ')"

# The log, over the whole run: one warning per bad file, and the lock's.
for b in "${BAD[@]}"; do
	said_once "${b%%|*}" "${b#*|}" ||
		vr_fail "$(said "${b%%|*}" "${b#*|}") warnings '$EMU_MNT/${b%%|*} ${b#*|}', want 1"
done
if part lock; then
	vr_log_has "$CD_LOG" "resctrl's lock on $EMU_MNT is held by another process" ||
		vr_fail "no warning that another process held the lock"
fi
vr_log "one warning per bad file (${#BAD[@]})$(part lock && echo ', and the lock'):"
grep -E "not a regular file|thread ids|resctrl's lock" "$CD_LOG" | sed 's/^/#   /'
echo "PASS: fault-hostile-files ($(($(date +%s) - VR_T0))s)"
