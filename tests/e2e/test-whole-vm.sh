#!/bin/bash
# SPDX-License-Identifier: MIT
# Whole VM (doc/design.md, "Metadata"): a real collectd with the built plugin, a private libvirtd
# with real QEMU guests that have libvirt iothreads, the resctrl emulator. Guest w1 describes an
# emulator group, an iothread group and a vCPU group; guest w2 has no metadata and gets
# `DefaultGroup vm`. Asserts the exact thread ids in each group's tasks, classified from QEMU's
# thread names (libvirt starts QEMU with debug-threads=on): "CPU n/TCG" -> the vCPU group,
# "IO iothread<N>" -> the iothread group, every other QEMU thread -> the emulator group; w2's vm
# group holds every thread of its QEMU. Then `virsh iothreadadd` makes QEMU's main thread create a
# thread after the emulator group exists: it starts in the emulator group (inherited from its
# creator, as the kernel does; the emulator models it) and, as no group claims iothread 3, stays
# there across resyncs. Values arrive for every group; shutdown removes them all.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

chain_setup
chain_emu_start 0 33554432

lv_define_guest w1 2 2 "<resmon xmlns=\"$NS\"><group name=\"emu\" emulator=\"yes\"/><group name=\"io\" iothreads=\"1-2\"/><group vcpus=\"0-1\"/></resmon>" 2
lv_define_guest w2 1 1 "" 1
lv_start_guest w1
lv_start_guest w2

qemu_pid() { cat "$LV_RUN_PATH/$1.pid"; }
# threads NAME [REGEX [-v]]: QEMU's thread ids whose name matches REGEX (all without one; -v: do
# not match), sorted, one line
threads() {
	local pid t
	pid=$(qemu_pid "$1")
	for t in /proc/"$pid"/task/*; do
		[ -r "$t/comm" ] || continue
		if [ -z "${2:-}" ] || { [ -z "${3:-}" ] && grep -Eqx "$2" "$t/comm"; } ||
			{ [ -n "${3:-}" ] && ! grep -Eqx "$2" "$t/comm"; }; then
			basename "$t"
		fi
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}
VCPU_RE='CPU [0-9]+/(TCG|KVM)'
IO_RE='IO iothread[12]'
OTHER_RE="$VCPU_RE|IO iothread[0-9]+"
# The plugin's view must equal QEMU's now; the thread set can change (a worker), so compare both
# ways until they agree.
tasks_match() { [ "$(group_tasks "$1" "$2")" = "$(threads "$1" "$3" ${4:+-v})" ]; }
wait_match() { until_true 15 tasks_match "$@" || vr_fail "$1 $2 tasks '$(group_tasks "$1" "$2")', want '$(threads "$1" "$3" ${4:+-v})' (threads: $(for t in /proc/"$(qemu_pid "$1")"/task/*; do printf '%s=%s, ' "${t##*/}" "$(cat "$t/comm")"; done))"; }

[ -n "$(threads w1 "$IO_RE")" ] || vr_fail "w1's QEMU names no thread 'IO iothread1/2' (debug-threads=on missing?)"
[ "$(threads w1 "$IO_RE" | wc -w)" = 2 ] || vr_fail "w1 has not two iothreads: $(threads w1 "$IO_RE")"

chain_csv_collectd '  RefreshInterval 2
  DefaultGroup "vm"'

# 1. Each group holds exactly its threads.
wait_match w1 vcpus_0,1 "$VCPU_RE"
[ "$(group_tasks w1 vcpus_0,1)" = "$(vcpu_tids w1 0 1)" ] || vr_fail "w1 vcpus_0,1 tasks differ from libvirt's status XML: $(vcpu_tids w1 0 1)"
wait_match w1 io "$IO_RE"
wait_match w1 emu "$OTHER_RE" -v
main=$(qemu_pid w1)
grep -qw "$main" <<<"$(group_tasks w1 emu)" || vr_fail "QEMU's main thread $main is not in w1 emu"
vr_log "w1: vcpus_0,1 = $(group_tasks w1 vcpus_0,1); io = $(group_tasks w1 io); emu = $(group_tasks w1 emu)"
wait_match w2 vm ''
[ "$(group_tasks w2 vm | wc -w)" -ge 3 ] || vr_fail "w2 vm holds fewer than 3 threads: $(group_tasks w2 vm)"
vr_log "w2 (DefaultGroup vm): vm = $(group_tasks w2 vm), every thread of QEMU pid $(qemu_pid w2)"

# 2. A thread QEMU creates after the emulator group exists: iothread 3, made by the main thread.
lv_virsh iothreadadd w1 3 --live >/dev/null || vr_fail "virsh iothreadadd w1 3 failed"
io3() { threads w1 'IO iothread3'; }
until_true 10 test -n "$(io3)" || vr_fail "no thread 'IO iothread3' after iothreadadd"
new=$(io3)
in_emu() { grep -qw "$new" <<<"$(group_tasks w1 emu)"; }
until_true 5 in_emu || vr_fail "the new thread $new (IO iothread3) is not in w1 emu: $(group_tasks w1 emu)"
# Three resyncs later (RefreshInterval 2) it is still there: no group claims iothread 3, so the
# plugin leaves it where it was born.
pass_line=$(wc -l <"$log")
sleep 7
in_emu || vr_fail "the inherited thread $new left w1 emu after resyncs: $(group_tasks w1 emu)"
wait_match w1 io "$IO_RE"
vr_log "iothreadadd: thread $new started in w1 emu (inherited from the main thread) and stayed"

# 3. Values for every group.
for inst in w1:emu w1:io w1:vcpus_0,1 w2:vm; do
	until_true 10 has_value "$inst" || vr_fail "csv: no value for $inst"
done
tail -n +"$pass_line" "$log" | grep -E 'conflict|not moving thread [0-9]+ of (vCPU|iothread)' && vr_fail "conflicts or refused moves of vCPU or iothreads in the log"
collectd_no_errors "$log"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-whole-vm ($(($(date +%s) - VR_T0))s)"
