#!/bin/bash
# SPDX-License-Identifier: MIT
# Stale thread ids while libvirt is away (doc/design.md, "Thread placement"). With libvirtd down
# the plugin keeps its last snapshot of each domain's vCPU thread ids. If QEMU dies meanwhile and
# an unrelated task is given one of those ids, writing the id would move that task into our group
# (and charge its cache to the VM). Each id is checked before it is written: a thread of the
# domain's QEMU, still named for its vCPU.
# Must hold:
#  1. with libvirtd killed and the guest's QEMU killed, a new task that takes the old id of vCPU 0
#     (the test asks the kernel for that pid through /proc/sys/kernel/ns_last_pid) is never moved
#     into our group over several resyncs (RefreshInterval 1);
#  2. the plugin says why it did not move it, once for that thread over all those resyncs (not
#     once per resync); collectd keeps running; a clean stop removes ours.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 1 1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
fault_collectd_start 1
old_tid=$(vcpu_tids g1 0)
wait_group_tasks g1 a "$old_tid" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)', want '$old_tid'"
dir=$(group_dir g1 a)
qemu_pid=$(cat "$LV_RUN_PATH/g1.pid")
vr_log "g1/a holds vCPU 0's thread $old_tid (QEMU pid $qemu_pid)"

# 1. libvirt away, then QEMU gone: the snapshot still names $old_tid.
lv_kill_libvirtd
kill -KILL "$qemu_pid"
# Both are dead and stay dead: forget their pids, so that the clean-up (which stops libvirtd and
# leftover guests by pid and pid file) cannot hit a task that took one of them over; this test
# hands out old pids again on purpose. The guest's pid file stays until then: the plugin reads it.
rm -f "$LV_DIR/run/libvirtd.pid"
LV_LIBVIRTD_PID=
vr_on_cleanup "rm -f '$LV_RUN_PATH/g1.pid'"
until_true 10 test ! -e "/proc/$old_tid" || vr_fail "thread $old_tid did not go away"
# claim_pid PID: start a sleep process that gets exactly PID (the kernel hands out ns_last_pid + 1
# next; another process forking in between takes it, so try again).
claim_pid() {
	local want=$1 _
	for _ in $(seq 50); do
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 600 &
		[ "$!" = "$want" ] && { IMPOSTOR=$!; vr_on_cleanup "kill $IMPOSTOR 2>/dev/null || true"; return 0; }
		kill "$!" 2>/dev/null || true
		wait "$!" 2>/dev/null || true
	done
	return 1
}
claim_pid "$old_tid" || vr_fail "could not start a task with pid $old_tid"
vr_log "an unrelated task (sleep) now has id $old_tid"
sleep 4 # four resyncs against the stale snapshot
if grep -qx "$IMPOSTOR" "$EMU_MNT/$dir/tasks"; then
	vr_fail "the unrelated task $IMPOSTOR was moved into our group $dir (QEMU $qemu_pid: $(ls "/proc/$qemu_pid/task" 2>&1 | tr '\n' ' '); log: $(grep -E 'not moving|writing task|vCPU' "$CD_LOG" | tail -n 3))"
fi
vr_log "task $IMPOSTOR stayed out of $dir over 4 resyncs"

# 2.
vr_wait_log "$CD_LOG" "not moving thread $old_tid of vCPU 0" 1 || vr_fail "the plugin does not say why it kept thread $old_tid out"
vr_log "the plugin says: $(grep -F "not moving thread $old_tid" "$CD_LOG" | tail -n 1 | sed 's/.*virt_resctrl plugin: //')"
n_said=$(grep -F "not moving thread $old_tid of vCPU 0" "$CD_LOG" | grep -cv 'Notification:' || true)
[ "$n_said" = 1 ] || vr_fail "the plugin said 'not moving thread $old_tid' $n_said times over 4 resyncs, want once"
vr_log "said once over 4 resyncs"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
fault_clean_stop 'cannot connect|lost the connection|cannot list'
echo "PASS: fault-stale-tids ($(($(date +%s) - VR_T0))s)"
