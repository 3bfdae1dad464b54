#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "Thread placement": before QEMU's threads are read or written, the process the
# pid file names must be this domain's QEMU (its command line's -uuid). A stale or wrong pid file
# (another root tool, a restore gone wrong) once made g1's groups take g2's threads, and they
# stayed after the pid file was right again.
# Setting: g1 (1 vCPU, group a = vCPU 0) and g2 (2 vCPUs, group b = vCPU 1 only: its vCPU 0 is
# in no group of ours). Then g1's pid file names g2's QEMU. Must hold (RefreshInterval 1):
#  1. no thread of g2 enters any group of ours (g2's vCPU 0 would have joined g1/a), g2/b keeps
#     exactly g2's vCPU 1, over several resyncs; one WARNING line names the pid file's process;
#  2. once the pid file is right again, g1/a holds g1's vCPU 0 again.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 1 1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_define_guest g2 2 2 "<resmon xmlns=\"$NS\"><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
pidfile=$LV_RUN_PATH/g1.pid
right=$(cat "$pidfile")
restore() { [ -n "${right:-}" ] && echo "$right" >"$pidfile"; }
vr_on_cleanup restore # before libvirtd stops: it reads the pid file
fault_collectd_start 1
g1v0=$(vcpu_tids g1 0)
g2v0=$(vcpu_tids g2 0)
g2v1=$(vcpu_tids g2 1)
wait_group_tasks g1 a "$g1v0" 15 || vr_fail "g1/a tasks '$(group_tasks g1 a)', want '$g1v0'"
wait_group_tasks g2 b "$g2v1" 5 || vr_fail "g2/b tasks '$(group_tasks g2 b)', want '$g2v1'"

# in_our_groups TID: the group of ours whose tasks list TID, if any
in_our_groups() {
	local d
	for d in $(our_groups); do
		grep -qx "$1" "$EMU_MNT/$d/tasks" 2>/dev/null && echo "$d"
	done
	return 0
}

g2pid=$(cat "$LV_RUN_PATH/g2.pid")
echo "$g2pid" >"$pidfile"
vr_log "g1's pid file now names g2's QEMU ($g2pid); g2's vCPU 0 thread is $g2v0"
# Five resyncs: g2/b's values gain five lines.
b_csv=$(csv_file g2:b bytes-llc-0)
for _ in 1 2 3 4 5; do
	until_true 10 lines_at_least "$b_csv" $(($(csv_lines "$b_csv") + 1)) || vr_fail "g2/b's values stopped"
	where=$(in_our_groups "$g2v0")
	[ -z "$where" ] || vr_fail "g2's vCPU 0 thread $g2v0 was moved into $where (through g1's wrong pid file)"
	group_tasks_are g2 b "$g2v1" || vr_fail "g2/b tasks '$(group_tasks g2 b)', want '$g2v1'"
done
said() { grep -q "which is not this domain's QEMU" "$CD_LOG"; }
until_true 15 said || vr_fail "no line that g1's pid file names another QEMU"
n_said=$(grep -c "which is not this domain's QEMU" "$CD_LOG")
[ "$n_said" -le 2 ] || vr_fail "the wrong pid file was said $n_said times (want one line, and its notification)"
vr_log "over 5 resyncs: no thread of g2 moved, g2/b intact, said $n_said time(s)"

restore
wait_group_tasks g1 a "$g1v0" 15 || vr_fail "g1/a did not recover: tasks '$(group_tasks g1 a)', want '$g1v0'"
[ -z "$(in_our_groups "$g2v0")" ] || vr_fail "g2's vCPU 0 thread was left in $(in_our_groups "$g2v0")"
vr_log "pid file right again: g1/a holds $g1v0, g2's vCPU 0 in no group of ours"
fault_clean_stop
echo "PASS: fault-pidfile ($(($(date +%s) - VR_T0))s)"
