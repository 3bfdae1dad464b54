# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# emu.sh: the one way a shell test starts the resctrl emulator. Source it after collectd-run.sh
# (vr_fail, vr_on_cleanup, vr_alive, vr_stop_pid, vr_detach_mount, vr_show_log):
#
#   vr_emu_start MNT [OPTION...]  # mounts $EMU_BIN on MNT with OPTIONs and waits until it is ready
#                                 # (fails, with its log, when it exits or is not ready in 10 s);
#                                 # every emulator still running at exit is stopped and unmounted.
#                                 # Sets EMU_PID and EMU_MNT; its stdout, stderr and ready file are
#                                 # MNT.out, MNT.log and MNT.ready. MNT holds no blank or ':'.
#   vr_emu_stop [PID]             # stops that emulator (default EMU_PID: SIGTERM, then SIGKILL)
#                                 # and detaches its mount

EMU_BIN=${EMU_BIN:-${VR_BUILDDIR:?}/tests/resctrl-emu/resctrl-emu}
EMU_PID=
EMU_MNT=
EMU_RUNNING= # "pid:mount" of each emulator not stopped yet

vr_emu_start() {
	local mnt=$1 n=0
	shift
	[ -x "$EMU_BIN" ] || vr_fail "$EMU_BIN is not built (make check builds it)"
	command -v fusermount3 >/dev/null || vr_fail "fusermount3 is missing (apt-get install fuse3)"
	mkdir -p "$mnt"
	rm -f "$mnt.ready"
	vr_show_log "$mnt.log"
	"$EMU_BIN" "$@" --ready-file "$mnt.ready" "$mnt" >"$mnt.out" 2>"$mnt.log" &
	EMU_PID=$!
	EMU_MNT=$mnt
	[ -n "$EMU_RUNNING" ] || vr_on_cleanup vr_emu_stop_all
	EMU_RUNNING="$EMU_RUNNING $EMU_PID:$mnt"
	while [ ! -e "$mnt.ready" ]; do
		vr_alive "$EMU_PID" || vr_fail "resctrl-emu exited: $(cat "$mnt.log")"
		[ "$n" -ge 100 ] && vr_fail "resctrl-emu not ready after 10 s"
		sleep 0.1
		n=$((n + 1))
	done
}

vr_emu_stop() {
	local pid=${1:-$EMU_PID} e kept=
	[ -n "$pid" ] || return 0
	for e in $EMU_RUNNING; do
		if [ "${e%%:*}" = "$pid" ]; then
			vr_stop_pid "$pid" resctrl-emu 10
			vr_detach_mount "${e#*:}"
		else
			kept="$kept $e"
		fi
	done
	EMU_RUNNING=$kept
	[ "$pid" != "$EMU_PID" ] || EMU_PID=
}

vr_emu_stop_all() {
	local e
	for e in $EMU_RUNNING; do vr_emu_stop "${e%%:*}"; done
}
