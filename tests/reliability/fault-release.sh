#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "Thread placement": a thread the plugin itself wrote into one of its groups, which
# no group claims any more, goes back to the parent CTRL_MON group's tasks; a thread that got there
# by inheritance stays. Guest g1 (2 vCPUs, 1 iothread): group a takes vCPU 0 and the emulator
# threads, group b vCPU 1; no group takes iothread 1, which is declared made by vCPU 0's thread on
# the emulator's control channel ("clone TID CREATOR", as fault-inherit.sh does), so it sits in a
# by inheritance. Then a metadata edit drops the emulator from every group. Must hold:
#  1. every emulator thread the plugin wrote into a (QEMU's main thread among them) leaves a and
#     is in the root's tasks (the parent CTRL_MON group);
#  2. the inherited iothread and vCPU 0's thread stay in a, over several resyncs (RefreshInterval 1);
#  3. a is the same directory (same inode: no rmdir/mkdir); a clean stop leaves nothing.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\" emulator=\"yes\"/><group name=\"b\" vcpus=\"1\"/></resmon>" 1
lv_start_guest g1
fault_collectd_start 1
qemu_pid=$(cat "$LV_RUN_PATH/g1.pid")
v0=$(vcpu_tids g1 0)
# in_a TID: the thread is listed in a's tasks
in_a() { grep -qw "$1" <<<"$(group_tasks g1 a)"; }
in_root() { grep -qxF "$1" "$EMU_MNT/tasks"; }
until_true 30 in_a "$qemu_pid" || vr_fail "QEMU's main thread $qemu_pid is not in g1/a: '$(group_tasks g1 a)'"
until_true 10 in_a "$v0" || vr_fail "vCPU 0's thread $v0 is not in g1/a: '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 10 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
io=
for t in /proc/"$qemu_pid"/task/*; do
	[ "$(cat "$t/comm" 2>/dev/null)" = "IO iothread1" ] && io=${t##*/}
done
[ -n "$io" ] || vr_fail "QEMU $qemu_pid has no thread 'IO iothread1': $(cat /proc/"$qemu_pid"/task/*/comm | tr '\n' ' ')"
in_a "$io" && vr_fail "iothread 1 ($io) is in g1/a, but no group takes it"
emu_ctl "clone $io $v0"
in_a "$io" || vr_fail "iothread 1 ($io) is not in its creator's group g1/a (the emulator did not put it there, or it was moved out at once): '$(group_tasks g1 a)'"
written=
for t in $(group_tasks g1 a); do
	[ "$t" = "$v0" ] || [ "$t" = "$io" ] || written="$written $t"
done
ino=$(group_inode g1 a)
vr_log "g1/a (inode $ino): vCPU 0 $v0, inherited iothread $io, emulator threads written by the plugin:$written"

set_md g1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
# Each written thread either left a for the root's tasks or is gone (QEMU's workers come and go).
released() {
	local t
	for t in $written; do
		[ -d "/proc/$qemu_pid/task/$t" ] || continue
		in_a "$t" && return 1
		in_root "$t" || return 1
	done
}
until_true 60 released || vr_fail "emulator threads written into g1/a did not go back to the root's tasks after the edit: g1/a lists '$(group_tasks g1 a)' (written:$written)"
in_root "$qemu_pid" || vr_fail "QEMU's main thread $qemu_pid is not in the root's tasks"
vr_log "after the edit: g1/a lists '$(group_tasks g1 a)'; the emulator threads are in the root's tasks"

sleep 5 # five resyncs: an observation window, not a wait for an event
[ "$(group_inode g1 a)" = "$ino" ] || vr_fail "g1/a was removed and made again (inode $ino -> $(group_inode g1 a))"
in_a "$io" || vr_fail "the inherited iothread $io left g1/a: '$(group_tasks g1 a)'"
in_a "$v0" || vr_fail "vCPU 0's thread $v0 left g1/a: '$(group_tasks g1 a)'"
released || vr_fail "an emulator thread came back into g1/a: '$(group_tasks g1 a)'"
stalled=$(all_grow 10 g1:a g1:b) || vr_fail "values stopped: $stalled"
vr_log "over 5 resyncs: same directory, the inherited iothread and vCPU 0 stay, values flow"
fault_clean_stop
echo "PASS: fault-release ($(($(date +%s) - VR_T0))s)"
