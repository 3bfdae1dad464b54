#!/bin/bash
# SPDX-License-Identifier: MIT
# No RMID leak at shutdown (doc/design.md, "Life cycle"). A pass whose state read fails drops the
# resctrl handle and the live groups (it cannot tell what resctrl holds); the groups themselves
# stay. A shutdown right after must still remove them: shutdown removes ours whenever the mount
# is reachable, not only when the last pass left resctrl open.
# Must hold:
#  1. both groups exist and report;
#  2. a pass whose read of a tasks file fails (ENOMEM, as the kernel's seq_read_iter() gives when
#     it cannot allocate its buffer; staged through the emulator's control FIFO) says resctrl
#     went away and removes nothing;
#  3. SIGTERM right after that pass (RefreshInterval 60: no pass in between): collectd exits 0,
#     no group of ours is left, and the log says how many it removed.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

# fail_next_tasks_read GROUP_DIR: the next read of that group's tasks file fails with ENOMEM.
fail_next_tasks_read() { emu_ctl "enomem-on-read $1"; }

chain_setup
fault_emu_start 0 33554432
MD="<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_define_guest g1 2 2 "$MD"
lv_start_guest g1
fault_collectd_start 60

# 1.
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 5 || vr_fail "g1/b tasks '$(group_tasks g1 b)'"
stalled=$(all_grow 5 g1:a g1:b) || vr_fail "no values for $stalled"
groups_before=$(our_groups | tr '\n' ' ')
vr_log "start-up: groups $groups_before"

# 2. The next pass (the metadata event wakes the worker) fails its state read.
fail_next_tasks_read "$(group_dir g1 a)"
set_md g1 "$MD"
vr_wait_log "$CD_LOG" "went away" 10 || vr_fail "no pass failed its state read within 10 s"
[ "$(our_groups | tr '\n' ' ')" = "$groups_before" ] || vr_fail "the failed pass changed our groups: $(our_groups | tr '\n' ' ')"
vr_log "failed pass: $(grep -F 'went away' "$CD_LOG" | tail -n 1 | sed 's/.*virt_resctrl plugin: //')"

# 3. Stop right away: nothing of ours may stay (chain_stop_clean checks it).
fault_clean_stop
grep -q 'removed 2 resctrl group(s) at shutdown' "$CD_LOG" ||
	vr_fail "the log does not say that shutdown removed the 2 groups: $(grep -F 'at shutdown' "$CD_LOG")"
echo "PASS: fault-shutdown ($(($(date +%s) - VR_T0))s)"
