#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's tasks files: appending writes, comma lists stopping at the
# first failure, ESRCH, EINVAL for a MON group outside the task's CTRL_MON
# group, moves between groups, listings, dead tasks, rmdir, and the root's
# empty list on a monitoring-only CPU. The tasks are sleep processes.
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

start_emu main --num-rmids 16
start_task; A=$TASK
start_task; B=$TASK
start_task; C=$TASK
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/c1/mon_groups/m2"
expect ok mkdir "$M/c2"
expect ok mkdir "$M/mon_groups/r1"

# every task starts in the root, which lists the host's tasks
listed "$M/tasks" "$A"
listed "$M/tasks" "$$"
[ "$(grep -c . "$M/tasks")" -gt 3 ] || fail "root lists too few tasks"
ok "the root lists the host's tasks"

# a MON group accepts only tasks of its parent CTRL_MON group
expect EINVAL write "$M/c1/mon_groups/m1/tasks" "$A"
last_status_has "$M" "Can't move task to different control group"
last_status_has "$M" "Error while processing task $A"
not_listed "$M/c1/mon_groups/m1/tasks" "$A"

# into the CTRL_MON group, then into its MON groups
expect ok write "$M/c1/tasks" "$A"
expect_file "$M/info/last_cmd_status" "ok"
listed "$M/c1/tasks" "$A"
not_listed "$M/tasks" "$A"
not_listed "$M/c1/mon_groups/m1/tasks" "$A"
expect ok write "$M/c1/mon_groups/m1/tasks" "$A"
listed "$M/c1/mon_groups/m1/tasks" "$A"
listed "$M/c1/tasks" "$A"
not_listed "$M/tasks" "$A"
# joining m2 leaves m1
expect ok write "$M/c1/mon_groups/m2/tasks" "$A"
listed "$M/c1/mon_groups/m2/tasks" "$A"
not_listed "$M/c1/mon_groups/m1/tasks" "$A"
# writing again to the same group changes nothing
expect ok write "$M/c1/mon_groups/m2/tasks" "$A"
listed "$M/c1/mon_groups/m2/tasks" "$A"
# writing to the CTRL_MON group takes it out of its MON group
expect ok write "$M/c1/tasks" "$A"
expect_file "$M/c1/mon_groups/m2/tasks" ""
listed "$M/c1/tasks" "$A"
# a task of c1 cannot join a MON group of the root or of c2
expect EINVAL write "$M/mon_groups/r1/tasks" "$A"
# to another CTRL_MON group: it leaves c1 altogether
expect ok write "$M/c1/mon_groups/m1/tasks" "$A"
expect ok write "$M/c2/tasks" "$A"
not_listed "$M/c1/tasks" "$A"
not_listed "$M/c1/mon_groups/m1/tasks" "$A"
listed "$M/c2/tasks" "$A"
# back to the root, then into a MON group of the root
expect ok write "$M/tasks" "$A"
listed "$M/tasks" "$A"
not_listed "$M/c2/tasks" "$A"
expect ok write "$M/mon_groups/r1/tasks" "$A"
listed "$M/mon_groups/r1/tasks" "$A"
listed "$M/tasks" "$A"
expect ok write "$M/tasks" "$A"
expect_file "$M/mon_groups/r1/tasks" ""

# shell '>' truncates first: the kernel ignores that, writes only append
echo "$B" >"$M/c1/tasks"
echo "$C" >"$M/c1/tasks"
listed "$M/c1/tasks" "$B"
listed "$M/c1/tasks" "$C"
expect ok write "$M/tasks" "$B"
expect ok write "$M/tasks" "$C"

# a comma list, in order, stopping at the first failure
expect ok write "$M/c2/tasks" "$A,$B,$C"
listed "$M/c2/tasks" "$A"
listed "$M/c2/tasks" "$B"
listed "$M/c2/tasks" "$C"
expect ESRCH write "$M/c1/tasks" "$A,999999999,$B"
listed "$M/c1/tasks" "$A"
listed "$M/c2/tasks" "$B"
not_listed "$M/c1/tasks" "$B"
last_status_has "$M" "No task 999999999"
last_status_has "$M" "Error while processing task 999999999"
expect EINVAL write "$M/c1/mon_groups/m1/tasks" "$A,$B"
listed "$M/c1/mon_groups/m1/tasks" "$A"
not_listed "$M/c1/mon_groups/m1/tasks" "$B"
# kstrtoint rules: base 0 (hex), no junk, no negative ids
expect ok write "$M/c1/tasks" "$(printf '0x%x' "$B")"
listed "$M/c1/tasks" "$B"
expect EINVAL write "$M/c1/tasks" "abc"
last_status_has "$M" "Task list parsing error pid abc"
expect EINVAL write "$M/c1/tasks" "-5"
last_status_has "$M" "Invalid pid -5"
# "C,\n" ends the list after C (the loop stops at the newline), "C,,1" has
# an empty id after C
expect ok write "$M/c1/tasks" "$C,"
listed "$M/c1/tasks" "$C"
expect ok write "$M/tasks" "$C"
expect EINVAL write "$M/c1/tasks" "$C,,1"
listed "$M/c1/tasks" "$C"
# a write longer than a page is refused whole (kernfs atomic_write_len)
expect E2BIG writen "$M/c1/tasks" 5000

# task id 0 is the writing task
expect "$(printf 'ok\nyes\nno')" write "$M/c2/tasks" 0 selfin "$M/c2/tasks" \
  selfin "$M/tasks"

# a thread that is not a process leader: the emulator's own control thread
tid=$(find "/proc/$EMU_PID/task" -mindepth 1 -maxdepth 1 -printf "%f\n" | grep -vx "$EMU_PID" | head -1)
[ -n "$tid" ] || fail "no second thread in the emulator"
expect ok write "$M/c2/tasks" "$tid"
listed "$M/c2/tasks" "$tid"
expect ok write "$M/tasks" "$tid"

# a dead task: refused, and it vanishes from every list
start_task; D=$TASK
expect ok write "$M/c1/tasks" "$D"
expect ok write "$M/c1/mon_groups/m2/tasks" "$D"
end_task "$D"
not_listed "$M/c1/mon_groups/m2/tasks" "$D"
not_listed "$M/c1/tasks" "$D"
not_listed "$M/tasks" "$D"
expect ESRCH write "$M/c1/tasks" "$D"
last_status_has "$M" "No task $D"

# rmdir of a MON group: its tasks stay in the parent CTRL_MON group
expect ok write "$M/c1/mon_groups/m1/tasks" "$B"
listed "$M/c1/mon_groups/m1/tasks" "$B"
expect ok rmdir "$M/c1/mon_groups/m1"
listed "$M/c1/tasks" "$B"
not_listed "$M/tasks" "$B"
expect ok mkdir "$M/c1/mon_groups/m1"
expect_file "$M/c1/mon_groups/m1/tasks" ""
# rmdir of a CTRL_MON group: its tasks (MON groups' too) go to the root
expect ok write "$M/c1/mon_groups/m2/tasks" "$C"
expect ok rmdir "$M/c1"
listed "$M/tasks" "$B"
listed "$M/tasks" "$C"
listed "$M/tasks" "$A"
expect ok mkdir "$M/c1"
expect_file "$M/c1/tasks" ""

# doc/design.md, "resctrl rules", Values: a group removed between a reader's
# open and its read of tasks: the read is ENODEV (kernfs_seq_start on a
# deactivated node), the group is gone, and its task is back in the parent
expect ok mkdir "$M/mon_groups/gone"
expect ok write "$M/mon_groups/gone/tasks" "$B"
race_rmdir_after_open mon_groups/gone
expect "$(printf 'ok\nENODEV')" keep "$M/mon_groups/gone/tasks" pread
[ ! -e "$M/mon_groups/gone" ] || fail "mon_groups/gone still exists"
ok "mon_groups/gone removed between open and read"
listed "$M/tasks" "$B"

# a tid reused by a new task: the new task is not the one placed (the kernel
# keeps closid/rmid in the task_struct, which died with the old task); the
# test gets the same pid again through /proc/sys/kernel/ns_last_pid
expect ok mkdir "$M/mon_groups/reuse"
start_task; R=$TASK
expect ok write "$M/mon_groups/reuse/tasks" "$R"
listed "$M/mon_groups/reuse/tasks" "$R"
end_task "$R"
reused=
for _ in $(seq 50); do
  echo $((R - 1)) >/proc/sys/kernel/ns_last_pid
  start_task
  [ "$TASK" = "$R" ] && { reused=$TASK; break; }
  end_task "$TASK"
done
[ -n "$reused" ] || fail "could not start a task with pid $R again"
not_listed "$M/mon_groups/reuse/tasks" "$R"
listed "$M/tasks" "$R"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# --- monitoring only: the root's tasks reads empty, MON groups list theirs --
start_emu noalloc --no-alloc
expect_file "$M/tasks" ""
expect ok mkdir "$M/mon_groups/m1"
expect ok write "$M/mon_groups/m1/tasks" "$A"
listed "$M/mon_groups/m1/tasks" "$A"
expect_file "$M/tasks" ""
expect ok write "$M/tasks" "$A"
expect_file "$M/mon_groups/m1/tasks" ""
expect ESRCH write "$M/mon_groups/m1/tasks" 999999999
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
