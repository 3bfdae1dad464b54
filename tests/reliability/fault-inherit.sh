#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "Thread placement": a thread created by a vCPU thread starts in that vCPU's group
# (arch_dup_task_struct copies closid and rmid; since 6.13 KVM's kvm-nx-lpage-recovery task is made
# from the first vCPU thread to run). /proc cannot tell the emulator who created a thread, so the
# test says it on the emulator's control channel ("clone TID CREATOR"): one of QEMU's own threads
# that is no vCPU thread is declared made by vCPU 0's thread and so joins g1/a, as the kernel would
# have put it there.
# Must hold, over several resyncs (RefreshInterval 1):
#  1. the plugin leaves the inherited thread where it is: never removes and remakes g1/a (same
#     directory inode: no rmdir/mkdir, so no RMID to limbo and no MBM restart), never moves it out;
#  2. no WARNING for g1/a, and its values keep flowing; a clean stop leaves nothing.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_start_guest g1
fault_collectd_start 1
v0=$(vcpu_tids g1 0)
wait_group_tasks g1 a "$v0" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)', want '$v0'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
qemu_pid=$(cat "$LV_RUN_PATH/g1.pid")
child=
for t in /proc/"$qemu_pid"/task/*; do
	tid=${t##*/}
	comm=$(cat "$t/comm" 2>/dev/null) || continue
	case $comm in "CPU "*) continue ;; esac
	[ "$tid" = "$qemu_pid" ] && continue
	child=$tid
	break
done
[ -n "$child" ] || vr_fail "QEMU $qemu_pid has no thread but its main thread and vCPU threads: $(cat /proc/"$qemu_pid"/task/*/comm | tr '\n' ' ')"
ino=$(group_inode g1 a)
dir=$(group_dir g1 a)
vr_log "g1/a ($dir, inode $ino) holds vCPU 0's thread $v0; QEMU's thread $child ($(cat "/proc/$qemu_pid/task/$child/comm")) is declared made by it"

emu_ctl "clone $child $v0"
want=$(printf '%s\n' "$v0" "$child" | sort -n | tr '\n' ' ' | sed 's/ $//')
[ "$(sort -n "$EMU_MNT/$dir/tasks" | tr '\n' ' ' | sed 's/ $//')" = "$want" ] ||
	vr_fail "the emulator did not put the new thread in its creator's group: '$(tr '\n' ' ' <"$EMU_MNT/$dir/tasks")', want '$want'"
vr_log "g1/a now lists $want (inherited)"

warnings_before=$(notes WARNING g1:a)
sleep 5 # five resyncs
[ "$(group_inode g1 a)" = "$ino" ] || vr_fail "g1/a was removed and made again (inode $ino -> $(group_inode g1 a)) for an inherited thread"
[ "$(sort -n "$EMU_MNT/$dir/tasks" | tr '\n' ' ' | sed 's/ $//')" = "$want" ] ||
	vr_fail "the inherited thread was moved: g1/a lists '$(tr '\n' ' ' <"$EMU_MNT/$dir/tasks")', want '$want'"
[ "$(notes WARNING g1:a)" = "$warnings_before" ] || vr_fail "a WARNING for g1/a: $(note_text WARNING g1:a)"
stalled=$(all_grow 5 g1:a g1:b) || vr_fail "values stopped: $stalled"
vr_log "over 5 resyncs: same directory, the inherited thread left alone, values flow"
fault_clean_stop
echo "PASS: fault-inherit ($(($(date +%s) - VR_T0))s)"
