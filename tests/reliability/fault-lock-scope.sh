#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md, "resctrl rules", Locking (the narrower lock): the plugin
# takes the root's flock only around changes. libvirt (virResctrlLockWrite)
# and pqos take the same lock for their own changes, and pqos gives up on it
# after 100 ms; a resync that changes nothing must not hold them up.
# Must hold: with RefreshInterval 1 and g1's group made, while another
# process holds the flock on the resctrl root for several seconds, the
# plugin's resyncs (four or more) never wait for it (no waiter of
# collectd's in /proc/locks); once a change is due (the test moves the
# vCPU thread out of our group), collectd tries for the lock without ever
# sleeping in flock(2) (still no waiter in /proc/locks) and says once
# that another process holds it, the thread stays out while the lock is
# held, and it is back in our group within a few seconds of the lock's
# release.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
fault_collectd_start 1
tid=$(vcpu_tids g1 0)
wait_group_tasks g1 a "$tid" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"

# collectd_waits: /proc/locks lists a blocked flock ("->") of collectd's.
collectd_waits() { grep -E -- "-> FLOCK +ADVISORY +WRITE +$COLLECTD_PID " /proc/locks >/dev/null; }

# Another locker (libvirt, pqos) holds resctrl's lock.
fault_hold_flock "$EMU_MNT" 60
holder=$FLOCK_HOLDER
vr_log "flock held by $holder; 5 s of RefreshInterval 1 resyncs with nothing to change"
for _ in $(seq 50); do
	collectd_waits && vr_fail "collectd waits for the lock though nothing changes: $(grep -F -- '->' /proc/locks)"
	sleep 0.1
done
group_tasks_are g1 a "$tid" || vr_fail "g1/a tasks '$(group_tasks g1 a)' changed meanwhile"

# A change: the vCPU thread leaves our group (to the root's tasks, as pqos
# or an operator might move it). The next resync must wait for the lock.
echo "$tid" >"$EMU_MNT/tasks"
group_tasks_are g1 a "" || vr_fail "moving $tid out of g1/a failed: '$(group_tasks g1 a)'"
lock_said() { vr_log_has "$CD_LOG" "resctrl's lock on $EMU_MNT is held by another process"; }
until_true 30 lock_said || vr_fail "collectd does not say the lock is held though g1/a lost its thread"
for _ in $(seq 20); do
	collectd_waits && vr_fail "collectd sleeps in flock(2): $(grep -F -- '->' /proc/locks)"
	sleep 0.1
done
group_tasks_are g1 a "" || vr_fail "g1/a got its thread back while another process held the lock"
vr_log "collectd leaves putting $tid back to a later pass, never asleep in flock(2)"
vr_stop_pid "$holder" sleep 5
t0=$(date +%s.%N)
wait_group_tasks g1 a "$tid" 5 || vr_fail "g1/a tasks '$(group_tasks g1 a)' 5 s after the lock's release"
vr_log "lock released -> thread back in g1/a: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
fault_clean_stop
echo "PASS: fault-lock-scope ($(($(date +%s) - VR_T0))s)"
