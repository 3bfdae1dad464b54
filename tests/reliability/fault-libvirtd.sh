#!/bin/bash
# SPDX-License-Identifier: MIT
# Fault matrix (doc/design.md, "Faults and hostile input"): libvirtd killed and restarted; a VM
# migrated away. Must hold:
#  1. libvirtd killed with SIGKILL while collectd runs (guests keep running): the groups stay
#     (same directories, same threads) and their values keep arriving during the outage, across
#     the periodic resyncs that cannot reach libvirt; collectd stays up.
#  2. libvirtd started again: the plugin reconnects by itself, and a live metadata edit made after
#     the restart creates its group (events work again).
#  3. a VM migrated away (simulated: destroy + undefine), which had an open WARNING (an invalid
#     group): all its groups go, an OKAY clears the warning, no warning stays raised, the other
#     VM's groups go on reporting.
#  4. nothing leaks: no group of a domain that is gone; none of ours after collectd stops.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
chain_emu_start 0 33554432
lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_define_guest g2 2 2 "<resmon xmlns=\"$NS\"><group name=\"m\" vcpus=\"0-1\"/><group name=\"bad\" vcpus=\"7\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
u2=$(dom_uuid g2)
fault_collectd_start 2

wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)', want '$(vcpu_tids g1 0)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
wait_group_tasks g2 m "$(vcpu_tids g2 0 1)" 5 || vr_fail "g2/m tasks '$(group_tasks g2 m)'"
wait_note WARNING g2:bad 1 5 || vr_fail "no WARNING for the invalid group g2/bad"
until_true 10 has_value g1:a || vr_fail "no value for g1:a"
vr_log "start-up: g1/a, g1/b, g2/m made; g2/bad warned: $(note_text WARNING g2:bad)"

# 1. libvirtd dies; values go on, groups untouched (RefreshInterval 2: resyncs happen meanwhile).
before="$(our_groups | tr '\n' ' ') $(group_inode g1 a) $(group_inode g1 b) $(group_inode g2 m)"
tasks_before="$(group_tasks g1 a)|$(group_tasks g1 b)|$(group_tasks g2 m)"
lv_kill_libvirtd
vr_log "libvirtd killed"
vr_wait_log "$CD_LOG" 'lost the connection|cannot list domains' 10 ||
	vr_fail "the plugin did not notice that libvirtd died"
stalled=$(all_grow 5 g1:a g1:b g2:m) || vr_fail "values of $stalled stopped while libvirtd was down"
sleep 2 # one more resync without libvirt
after="$(our_groups | tr '\n' ' ') $(group_inode g1 a) $(group_inode g1 b) $(group_inode g2 m)"
[ "$after" = "$before" ] || vr_fail "groups changed while libvirtd was down: '$before' -> '$after'"
[ "$(group_tasks g1 a)|$(group_tasks g1 b)|$(group_tasks g2 m)" = "$tasks_before" ] ||
	vr_fail "group tasks changed while libvirtd was down"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died with libvirtd"
vr_log "libvirtd down: values kept arriving, groups and tasks untouched"

# 2. libvirtd back: reconnect, then a live edit works again.
lv_restart_libvirtd || vr_fail "libvirtd did not come back"
t0=$(date +%s)
vr_wait_log "$CD_LOG" 'connected to .* again' 40 || vr_fail "the plugin did not reconnect within 40 s of libvirtd's restart"
vr_log "reconnected $(($(date +%s) - t0))s after libvirtd answered again"
set_md g1 '<resmon><group name="a" vcpus="0"/><group name="c" vcpus="1"/></resmon>'
until_true 30 has_group g1 c || vr_fail "after libvirtd's restart, a live edit did not create g1/c"
wait_group_tasks g1 c "$(vcpu_tids g1 1)" 5 || vr_fail "g1/c tasks '$(group_tasks g1 c)', want vCPU 1's"
until_true 30 no_group g1 b || vr_fail "after the edit g1/b is still there"
until_true 30 has_value g1:c || vr_fail "no value for g1:c"
vr_log "after the restart a live edit made g1/c"

# 3. g2 migrated away: destroy + undefine.
lv_virsh destroy g2 >/dev/null
lv_virsh undefine g2 >/dev/null
gone_g2() { [ -z "$(our_groups_of_uuid "$u2")" ]; }
until_true 30 gone_g2 || vr_fail "groups of the migrated-away g2 remain: $(our_groups_of_uuid "$u2")"
wait_note OKAY g2:bad 1 5 || vr_fail "the WARNING of g2/bad was not cleared after g2 left"
[ -z "$(warnings_raised)" ] || vr_fail "warnings left raised: $(warnings_raised | tr '\n' ' ')"
stalled=$(all_grow 5 g1:a g1:c) || vr_fail "$stalled stopped after g2 left"
vr_log "g2 gone: its groups removed, '$(note_text OKAY g2:bad)'"

# 4. Clean stop: none of ours left. The only errors allowed are the failed reconnect attempts.
fault_clean_stop 'retrying with backoff'
echo "PASS: fault-libvirtd ($(($(date +%s) - VR_T0))s)"
