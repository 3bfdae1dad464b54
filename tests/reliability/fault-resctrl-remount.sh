#!/bin/bash
# Fault matrix (issue 9): resctrl unmounted and mounted again under a running collectd.
# Must hold:
#  1. after the unmount the plugin says what happened and what to do (the mount command), keeps
#     running (collectd alive, no crash, no sanitizer report), and writes nothing into the now
#     plain directory (it stays empty: no mkdir outside a resctrl mount);
#  2. once resctrl is mounted again (a fresh, empty emulator) the plugin notices by itself within
#     a few RefreshIntervals, says it is usable, recreates every group with its vCPU threads, and
#     values of every group flow again;
#  3. nothing leaks: after collectd stops no group of ours is left.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

fault_setup
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

# 1. Unmount under the running collectd.
chain_emu_stop
mountpoint -q "$EMU_MNT" && vr_fail "the emulator did not unmount"
vr_log "resctrl unmounted"
vr_wait_log "$CD_LOG" "mount -t resctrl resctrl $EMU_MNT" 10 ||
	vr_fail "the plugin did not say to mount resctrl within 10 s of the unmount"
vr_log "the plugin says: $(grep -F 'mount -t resctrl' "$CD_LOG" | tail -n 1 | sed 's/.*virt_resctrl plugin: //')"
sleep 3 # more resyncs (RefreshInterval 2) against the plain directory
vr_alive "$COLLECTD_PID" || vr_fail "collectd died after the unmount"
[ -z "$(ls -A "$EMU_MNT")" ] || vr_fail "the plugin wrote into the unmounted directory: $(ls -A "$EMU_MNT" | tr '\n' ' ')"
no_sanitizer_report "$CD_DIR/collectd.stdout"
n_before=$(csv_lines "$(csv_file g1:a bytes-llc-0)")

# 2. Mount again: a fresh tree, none of our groups in it. collectd is held
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
