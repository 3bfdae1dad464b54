# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The resctrl rules as ONE case list with two back-ends: the FUSE emulator
# (tests/resctrl-emu/test-rules.sh) and Linux's own resctrl in the kernel
# bed's guest (tests/kernel-bed/rules-kernel.sh).  A case that holds on one
# and not the other is an emulator bug (fixed in the emulator, citing the
# kernel function) or a kernel-version difference (modeled here by
# rules_version, documented in doc/kernels.md, "Differences between the
# emulator and the kernels").
#
# Sourced after the back-end has mounted resctrl in the bed's shape (two L3
# domains 0 and 1, 8 RMIDs, 4 CLOSIDs, the three events) and defined:
#   M                      the mount
#   FDTOOL                 emu-fdtool (exact errnos)
#   fail MSG / ok MSG      a failed check (exits) / a passed one (counted)
#   expect WANT STEP...    one emu-fdtool run whose output must equal WANT
#   be_version             the kernel version whose rules apply ("6.12" for
#                          the emulator, which models the newest seen)
#   be_fresh GROUP         a group the cases just made reads 0 on every
#                          counter (the bed's CPU counts nothing by itself;
#                          the emulator's synthetic values are set to 0)
#   be_set GROUP DOMAIN EVENT VALUE   the counter reads VALUE (a byte count;
#                          for an MBM event at least what it read before) or
#                          the word Unavailable / Error
#   be_task GROUP          a task that lives in GROUP; sets PID
#   be_end_task PID
#   be_dirty GROUP         GROUP's RMID will stay in limbo once freed
#   be_clean               every RMID may leave limbo (now or soon)
# Each case cites the kernel function whose rule it follows (6.1, 6.12:
# arch/x86/kernel/cpu/resctrl/; 6.16 on: fs/resctrl/).

rules_status_has() {
	grep -qxF "$1" "$M/info/last_cmd_status" ||
		fail "last_cmd_status lacks '$1': $(tr '\n' '|' <"$M/info/last_cmd_status")"
	ok "last_cmd_status has '$1'"
}
rules_status_lacks() {
	if grep -qF "$1" "$M/info/last_cmd_status"; then
		fail "last_cmd_status has '$1': $(tr '\n' '|' <"$M/info/last_cmd_status")"
	fi
	ok "last_cmd_status lacks '$1'"
}
rules_val() { cat "$M/$1/mon_data/mon_L3_0$2/$3"; }
rules_expect_val() {
	local got
	got=$(rules_val "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1 mon_L3_0$2 $3: want $4, got $got"
	ok "$1 mon_L3_0$2 $3 reads $4"
}
# rules_version_ge V: the back-end's kernel is V or newer
rules_version_ge() {
	[ "$(printf '%s\n%s\n' "$1" "$(be_version)" | sort -V | head -n 1)" = "$1" ]
}
# rules_mkdir_poll DIR: mkdir, retrying EBUSY for 5 s (an RMID freed a
# moment ago waits for the limbo check, cqm_handle_limbo, every second)
rules_mkdir_poll() {
	local got _
	for _ in $(seq 50); do
		got=$("$FDTOOL" mkdir "$1")
		[ "$got" = EBUSY ] || break
		sleep 0.1
	done
	[ "$got" = ok ] || fail "mkdir $1: $got"
	ok "mkdir ${1#"$M"/} (once the limbo let it)"
}

# --- detection (rdt_get_mon_l3_config, rdtgroup_mkdir_info_resdir)
[ "$(cat "$M/info/L3_MON/num_rmids")" = 8 ] ||
	fail "num_rmids $(cat "$M/info/L3_MON/num_rmids")"
ok "info/L3_MON/num_rmids is 8"
[ "$(cat "$M/info/L3/num_closids")" = 4 ] ||
	fail "num_closids $(cat "$M/info/L3/num_closids")"
ok "info/L3/num_closids is 4"
for f in llc_occupancy mbm_total_bytes mbm_local_bytes; do
	grep -qx "$f" "$M/info/L3_MON/mon_features" || fail "no $f in mon_features"
done
ok "mon_features lists llc_occupancy mbm_total_bytes mbm_local_bytes"
THRESH=$(cat "$M/info/L3_MON/max_threshold_occupancy")
[ $((THRESH % 64)) = 0 ] && [ "$THRESH" -gt 0 ] || fail "max_threshold_occupancy $THRESH"
ok "max_threshold_occupancy is $THRESH (a multiple of the 64-byte unit)"
[ "$(ls "$M/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_01 " ] ||
	fail "mon_data: $(ls "$M/mon_data")"
ok "mon_data holds mon_L3_00 mon_L3_01 (two-digit names, mkdir_mondata_subdir)"

# --- groups (rdtgroup_mkdir, rdtgroup_mkdir_mon, rdtgroup_mkdir_ctrl_mon)
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/c1/mon_groups/m2"
expect ok mkdir "$M/mon_groups/r1"
for g in c1 c1/mon_groups/m1 c1/mon_groups/m2 mon_groups/r1; do be_fresh "$g"; done
expect EEXIST mkdir "$M/mon_groups/r1"
expect EEXIST mkdir "$M/c1"
# mon groups do not nest: mkdir anywhere but the root, a CTRL_MON group or
# a mon_groups directory is EPERM (rdtgroup_mkdir's last return)
expect EPERM mkdir "$M/mon_groups/r1/mon_groups"
expect EPERM mkdir "$M/mon_groups/r1/x"
expect EPERM mkdir "$M/c1/x"
# under info/: EPERM on 6.1 and 6.12; ENODEV from 6.16 (fs/resctrl, where
# rdtgroup_mkdir finds no live rdtgroup for the parent first; seen on 7.3)
if rules_version_ge 6.16; then
	expect ENODEV mkdir "$M/info/x"
else
	expect EPERM mkdir "$M/info/x"
fi

# --- exact values read back (mon_event_count, __rmid_read)
be_set c1/mon_groups/m1 0 llc_occupancy 1048576
be_set c1/mon_groups/m1 0 mbm_total_bytes 6400
be_set c1/mon_groups/m1 0 mbm_local_bytes 6400
be_set c1/mon_groups/m2 0 llc_occupancy 65536
be_set c1/mon_groups/m2 0 mbm_total_bytes 128
be_set c1/mon_groups/m2 1 llc_occupancy 4096
rules_expect_val c1/mon_groups/m1 0 llc_occupancy 1048576
rules_expect_val c1/mon_groups/m1 0 mbm_total_bytes 6400
rules_expect_val c1/mon_groups/m1 0 mbm_local_bytes 6400
rules_expect_val c1/mon_groups/m2 0 mbm_local_bytes 0
rules_expect_val c1/mon_groups/m2 1 llc_occupancy 4096
rules_expect_val c1/mon_groups/m1 1 llc_occupancy 0
# a CTRL_MON group reads its own RMID plus every child's (mon_event_count)
rules_expect_val c1 0 llc_occupancy $((1048576 + 65536))
rules_expect_val c1 0 mbm_total_bytes $((6400 + 128))
rules_expect_val c1 1 llc_occupancy 4096
# a kept fd reads the fresh value at offset 0 (rdtgroup_mondata_show per read)
f=$M/c1/mon_groups/m1/mon_data/mon_L3_00/mbm_total_bytes
coproc RULES_PREAD {
	exec python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.pread(fd, 64, 0).decode().strip(), flush=True)
sys.stdin.readline()
print(os.pread(fd, 64, 0).decode().strip(), flush=True)' "$f"
}
read -r a <&"${RULES_PREAD[0]}"
be_set c1/mon_groups/m1 0 mbm_total_bytes 7040
echo go >&"${RULES_PREAD[1]}"
read -r b <&"${RULES_PREAD[0]}"
wait "$RULES_PREAD_PID" 2>/dev/null || true
[ "$a $b" = "6400 7040" ] || fail "pread at 0 on a kept fd: $a $b"
ok "pread at 0 on a kept fd reads the fresh value (6400 then 7040)"

# --- Unavailable / Error words (rdtgroup_mondata_show: -EINVAL, -EIO)
be_set mon_groups/r1 1 llc_occupancy Unavailable
be_set mon_groups/r1 1 mbm_total_bytes Error
rules_expect_val mon_groups/r1 1 llc_occupancy Unavailable
rules_expect_val mon_groups/r1 1 mbm_total_bytes Error
be_set mon_groups/r1 1 llc_occupancy 0
be_set mon_groups/r1 1 mbm_total_bytes 0
rules_expect_val mon_groups/r1 1 llc_occupancy 0
rules_expect_val mon_groups/r1 1 mbm_total_bytes 0

# --- task moves (__rdtgroup_move_task, rdtgroup_tasks_write)
be_task c1/mon_groups/m1
T=$PID
grep -qx "$T" "$M/c1/mon_groups/m1/tasks" || fail "$T not in m1/tasks"
grep -qx "$T" "$M/c1/tasks" || fail "$T not in c1/tasks"
ok "a task of a MON group is listed in its parent CTRL_MON's tasks too"
expect ok write "$M/c1/mon_groups/m2/tasks" "$T"
grep -qx "$T" "$M/c1/mon_groups/m2/tasks" || fail "$T not in m2/tasks"
if grep -qx "$T" "$M/c1/mon_groups/m1/tasks"; then fail "$T still in m1/tasks"; fi
ok "joining m2 left m1"
expect EINVAL write "$M/mon_groups/r1/tasks" "$T"
rules_status_has "Can't move task to different control group"
# since 6.12 rdtgroup_tasks_write adds which task failed (seen on Debian
# 6.12 and 7.3, not on 6.1)
if rules_version_ge 6.12; then
	rules_status_has "Error while processing task $T"
else
	rules_status_lacks "Error while processing task"
fi
expect ESRCH write "$M/c1/tasks" 999999
be_end_task "$T"

# --- out of RMIDs (alloc_rmid: -ENOSPC) and CLOSIDs (closid_alloc)
n=0
while "$FDTOOL" mkdir "$M/mon_groups/x$n" | grep -qx ok; do
	n=$((n + 1))
	[ $n -lt 20 ] || fail "more than 20 MON groups with 8 RMIDs"
done
expect ENOSPC mkdir "$M/mon_groups/x$n"
rules_status_has "Out of RMIDs"
# root, c1, m1, m2, r1 hold 5 of 8 RMIDs
[ $n = 3 ] || fail "made $n more MON groups, want 3"
ok "8 RMIDs: 3 more MON groups, then ENOSPC"
expect ENOSPC mkdir "$M/c3"
ok "no RMID left: a CTRL_MON group cannot be made either"
[ ! -e "$M/c3" ] || fail "c3 exists after ENOSPC"
ok "a refused mkdir leaves no directory"

# --- limbo (free_rmid -> add_rmid_to_limbo, __check_limbo, alloc_rmid):
# a freed RMID that stays dirty makes mkdir EBUSY (not ENOSPC), with the
# same "Out of RMIDs"; once clean it is reused
be_dirty mon_groups/x0
expect ok rmdir "$M/mon_groups/x0"
expect EBUSY mkdir "$M/mon_groups/y"
rules_status_has "Out of RMIDs"
be_clean
rules_mkdir_poll "$M/mon_groups/y"
ok "below the threshold the RMID is reused"

# --- rmdir (rdtgroup_rmdir_ctrl: the CTRL_MON group's tasks go to the root)
expect ok rmdir "$M/mon_groups/x1"
expect ok rmdir "$M/mon_groups/x2"
be_task mon_groups/r1
T=$PID
rules_mkdir_poll "$M/c2"
expect ok write "$M/c2/tasks" "$T"
expect ok rmdir "$M/c2"
grep -qx "$T" "$M/tasks" || fail "$T not back in the root's tasks"
ok "rmdir of a CTRL_MON group moves its tasks to the root"
be_end_task "$T"
# a CTRL_MON group takes its MON groups along (rdtgroup_rmdir_ctrl ->
# free_all_child_rdtgrp): c1, m1, m2 free three RMIDs and a CLOSID
expect ok rmdir "$M/c1"
[ ! -e "$M/c1" ] || fail "c1 still there"
ok "c1 and its MON groups are gone"
expect EPERM rmdir "$M/mon_groups"
expect EPERM rmdir "$M/info"
expect ENOENT rmdir "$M/nosuch"
