#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input";
# doc/design.md, "resctrl rules", Mounting): resctrl unmounted and mounted again under a running
# collectd, the way a kernel allows it. With KeepFilesOpen true (the default) the plugin holds files
# open inside, so a plain umount fails with EBUSY (do_umount) and the operator's way out is `umount
# -l`; the detached tree stays alive while anything is open in it, and resctrl mounts once per
# system (rdt_get_tree: EBUSY), so the next mount fails until the plugin lets go. Must hold:
#  1. a plain umount is refused (EBUSY) while collectd runs;
#  2. after `umount -l` the plugin notices at its next resync that ResctrlPath is no longer its
#     mount, closes every file it held there (the detached emulator then exits by itself, freeing
#     the "mounted" flag: before the fix it read the detached tree forever), says so and says what
#     to do (the mount command), keeps running, and writes nothing into the now plain directory;
#  3. a second mount while the detached one lives fails with EBUSY (the emulator's mount-once rule);
#  4. once resctrl is mounted again (a fresh, empty emulator) the plugin notices by itself within
#     a few RefreshIntervals, says it is usable, recreates every group with its vCPU threads, and
#     values of every group flow again;
#  5. nothing leaks: after collectd stops no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_define_guest g2 1 1 "<resmon xmlns=\"$NS\"><group name=\"m\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
fault_collectd_start 2

check_all_groups() {
	wait_group_tasks g1 a "$(vcpu_tids g1 0)" "$1" || vr_fail "$2: g1/a tasks '$(group_tasks g1 a)', want '$(vcpu_tids g1 0)'"
	wait_group_tasks g1 b "$(vcpu_tids g1 1)" "$1" || vr_fail "$2: g1/b tasks '$(group_tasks g1 b)'"
	wait_group_tasks g2 m "$(vcpu_tids g2 0)" "$1" || vr_fail "$2: g2/m tasks '$(group_tasks g2 m)'"
	stalled=$(all_grow 5 g1:a g1:b g2:m) || vr_fail "$2: no new values for $stalled"
}
check_all_groups 10 "start-up"
vr_log "start-up: three groups report"
old_emu=$EMU_PID

# 1. The plugin keeps files open: the VFS refuses the unmount.
err=$(umount "$EMU_MNT" 2>&1) && vr_fail "a plain umount succeeded while collectd holds files in resctrl"
mountpoint -q "$EMU_MNT" || vr_fail "the plain umount detached the mount"
vr_log "plain umount refused: $err"

# 2. Lazy unmount: detached, alive while anything is open in it. collectd is
# held (SIGSTOP) until the second mount below has been tried, so that the
# plugin cannot let go first.
kill -STOP "$COLLECTD_PID"
umount -l "$EMU_MNT" || vr_fail "umount -l failed"
mountpoint -q "$EMU_MNT" && vr_fail "the mount is still attached after umount -l"
vr_alive "$old_emu" || vr_fail "the detached emulator exited while collectd holds files in it"
vr_log "resctrl lazily unmounted"

# 3. Mount once: while the plugin holds the detached tree, a second emulator
# cannot mount (one that mounts stays in the foreground: timeout stops it, 124).
rc=0
timeout 5 "$EMU_REAL_BIN" "$EMU_MNT" >"$VR_TMP/second.out" 2>&1 || rc=$?
[ "$rc" = 32 ] || vr_fail "a second mount while the detached one lives: exit $rc, want 32 (EBUSY): $(cat "$VR_TMP/second.out")"
vr_log "second mount refused: $(cat "$VR_TMP/second.out")"
kill -CONT "$COLLECTD_PID"
t0=$(date +%s.%N)

emu_gone() { ! vr_alive "$old_emu"; }
until_true 10 emu_gone ||
	vr_fail "the detached resctrl is still held 10 s after umount -l (RefreshInterval 2): the plugin keeps its files open"
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
vr_log "umount -l -> every file closed, the detached mount gone: $took s"
vr_wait_log "$CD_LOG" "is no longer the mount the plugin opened" 1 ||
	vr_fail "the plugin did not say that it let go of the old mount"
vr_wait_log "$CD_LOG" "mount -t resctrl resctrl $EMU_MNT" 10 ||
	vr_fail "the plugin did not say to mount resctrl within 10 s of the unmount"
vr_log "the plugin says: $(grep -F 'mount -t resctrl' "$CD_LOG" | tail -n 1 | sed 's/.*virt_resctrl plugin: //')"
sleep 3 # more resyncs (RefreshInterval 2) against the plain directory
vr_alive "$COLLECTD_PID" || vr_fail "collectd died after the unmount"
[ -z "$(ls -A "$EMU_MNT")" ] || vr_fail "the plugin wrote into the unmounted directory: $(ls -A "$EMU_MNT" | tr '\n' ' ')"
no_sanitizer_report "$CD_DIR/collectd.stdout"
n_before=$(csv_lines "$(csv_file g1:a bytes-llc-0)")

# 4. Mount again: a fresh tree, none of our groups in it. collectd is held
# (SIGSTOP) while the emulator starts and the tree is checked: the plugin
# rescans every 2 s and could otherwise recreate its groups before the look.
kill -STOP "$COLLECTD_PID"
fault_emu_start 0 33554432
fresh=$(our_groups)
kill -CONT "$COLLECTD_PID"
t0=$(date +%s)
[ -z "$fresh" ] || vr_fail "the fresh mount already holds groups: $fresh"
check_all_groups 10 "after the remount"
vr_wait_log "$CD_LOG" "resctrl at $EMU_MNT is usable" 1 || vr_fail "the plugin did not say that resctrl is usable again"
[ "$(csv_lines "$(csv_file g1:a bytes-llc-0)")" -gt "$n_before" ] || vr_fail "g1:a reports no value after the remount"
vr_log "remounted: groups recreated with their threads, values flow ($(($(date +%s) - t0))s)"

fault_clean_stop
echo "PASS: fault-resctrl-remount ($(($(date +%s) - VR_T0))s)"
