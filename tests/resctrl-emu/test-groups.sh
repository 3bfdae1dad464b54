#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's groups: info files, where mkdir is allowed, CLOSID and RMID
# exhaustion (ENOSPC, EBUSY while in limbo, limbo expiry), rmdir, and the
# errnos of files that cannot be created or removed.
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

# --- info and the root's entries ------------------------------------------
start_emu main --num-rmids 5 --num-closids 3 --cache-ids 0,1 --limbo-ms 0 \
  --features mbm_local_bytes,llc_occupancy --l3-size 1048576
expect_file "$M/info/L3_MON/num_rmids" "5"
expect_file "$M/info/L3_MON/mon_features" "llc_occupancy
mbm_local_bytes"
expect_file "$M/info/L3_MON/max_threshold_occupancy" "209664"
expect_file "$M/info/L3/num_closids" "3"
expect_file "$M/info/last_cmd_status" "ok"
[ "$(ls "$M" | tr '\n' ' ')" = "cpus cpus_list info mode mon_data mon_groups schemata size tasks " ] ||
  fail "root entries: $(ls "$M")"
ok "root holds cpus cpus_list info mode mon_data mon_groups schemata size tasks"
[ "$(ls "$M/info" | tr '\n' ' ')" = "L3 L3_MON last_cmd_status " ] ||
  fail "info entries: $(ls "$M/info")"
ok "info holds L3 L3_MON last_cmd_status"

# --- mkdir placement ---------------------------------------------------------
expect ok mkdir "$M/c1"
[ "$(ls "$M/c1" | tr '\n' ' ')" = "cpus cpus_list mode mon_data mon_groups schemata size tasks " ] ||
  fail "CTRL_MON entries: $(ls "$M/c1")"
ok "a CTRL_MON group holds its files, mon_groups and mon_data, no info"
expect ok mkdir "$M/c1/mon_groups/m1"
[ "$(ls "$M/c1/mon_groups/m1" | tr '\n' ' ')" = "cpus cpus_list mon_data tasks " ] ||
  fail "MON entries: $(ls "$M/c1/mon_groups/m1")"
ok "a MON group holds cpus cpus_list mon_data tasks"
expect ok mkdir "$M/mon_groups/r1"
expect EEXIST mkdir "$M/c1"
expect EEXIST mkdir "$M/info"
expect EEXIST mkdir "$M/c1/mon_groups/m1"
expect EPERM mkdir "$M/c1/x"
expect EPERM mkdir "$M/c1/mon_groups/m1/x"
expect EPERM mkdir "$M/c1/mon_groups/mon_groups"
expect EPERM mkdir "$M/mon_groups/mon_groups"
expect EPERM mkdir "$M/mon_data/x"
expect EPERM mkdir "$M/mon_data/mon_L3_00/x"
expect EPERM mkdir "$M/info/x"
expect EPERM mkdir "$M/info/L3_MON/x"
expect ENOENT mkdir "$M/nosuch/mon_groups/x"
expect ENOENT mkdir "$M/mon_groups/r1/mon_groups/x"

# --- exhaustion: 3 CLOSIDs (root, c1, c2), 5 RMIDs (root, c1, m1, r1, c2) ---
expect ok mkdir "$M/c2"
expect ENOSPC mkdir "$M/c3"
last_status_has "$M" "Out of CLOSIDs"
[ ! -e "$M/c3" ] || fail "c3 exists after ENOSPC"
ok "a refused mkdir leaves no directory"
expect ENOSPC mkdir "$M/c2/mon_groups/m2"
last_status_has "$M" "Out of RMIDs"
expect ENOSPC mkdir "$M/mon_groups/r2"
# no limbo here: a freed RMID is free at once
expect ok rmdir "$M/mon_groups/r1"
expect ok mkdir "$M/c2/mon_groups/m2"
expect ENOSPC mkdir "$M/mon_groups/r1"

# --- rmdir ------------------------------------------------------------------
for d in info info/L3_MON mon_groups mon_data mon_data/mon_L3_00 \
  c1/mon_groups c1/mon_data c1/mon_groups/m1/mon_data; do
  expect EPERM rmdir "$M/$d"
done
expect ENOTDIR rmdir "$M/c1/tasks"
expect ENOENT rmdir "$M/nosuch"
# a CTRL_MON group takes its MON groups along and frees their RMIDs and its
# CLOSID: two MON groups and one CTRL_MON group fit again
expect ok rmdir "$M/c1"
[ ! -e "$M/c1" ] || fail "c1 still there"
ok "c1 and its MON groups are gone"
expect ok mkdir "$M/mon_groups/a"
expect ok mkdir "$M/c3"
expect ENOSPC mkdir "$M/mon_groups/b"

# --- files cannot be created, removed or renamed ---------------------------
expect EACCES create "$M/newfile"
expect EACCES create "$M/c3/newfile"
expect EPERM unlink "$M/tasks"
expect EPERM unlink "$M/c3/mon_data/mon_L3_00/llc_occupancy"
expect EPERM unlink "$M/info/last_cmd_status"
expect EPERM symlink "$M/link"
expect EPERM rename "$M/c3" "$M/c4"
last_status_has "$M" "Source must be a MON group"
expect EACCES openw "$M/c3/mon_data/mon_L3_00/llc_occupancy"
expect EACCES openw "$M/info/L3_MON/num_rmids"
expect EACCES openw "$M/info/last_cmd_status"
expect ENOENT write "$M/c3/nosuch" 1
# max_threshold_occupancy takes bytes up to the L3 size
expect ok write "$M/info/L3_MON/max_threshold_occupancy" 65536
expect_file "$M/info/L3_MON/max_threshold_occupancy" "65536"
expect EINVAL write "$M/info/L3_MON/max_threshold_occupancy" 2000000
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# --- limbo: a freed RMID is busy for --limbo-ms, then free ------------------
start_emu limbo --num-rmids 3 --limbo-ms 1500
expect ok mkdir "$M/mon_groups/a"
expect ok mkdir "$M/mon_groups/b"
expect ENOSPC mkdir "$M/mon_groups/c"
last_status_has "$M" "Out of RMIDs"
expect ok rmdir "$M/mon_groups/a"
expect EBUSY mkdir "$M/mon_groups/c"
last_status_has "$M" "Out of RMIDs"
# a CTRL_MON group gets a CLOSID but no RMID: EBUSY, and the CLOSID is back
expect EBUSY mkdir "$M/c1"
sleep 1.7
expect ok mkdir "$M/mon_groups/c"
# a successful mkdir does not clear last_cmd_status (mkdir_rdt_prepare; seen
# on Debian 6.1 and 6.12): the three failures above are still there
expect_file "$M/info/last_cmd_status" "$(printf 'Out of RMIDs\nOut of RMIDs\nOut of RMIDs')"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# without llc_occupancy the kernel frees RMIDs at once (no limbo)
start_emu nollc --num-rmids 2 --limbo-ms 60000 --features mbm_total_bytes
expect ok mkdir "$M/mon_groups/a"
expect ok rmdir "$M/mon_groups/a"
expect ok mkdir "$M/mon_groups/b"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# --- a monitoring-only CPU: no CTRL_MON group but the root ------------------
start_emu noalloc --no-alloc --num-rmids 4
expect EPERM mkdir "$M/c1"
expect ok mkdir "$M/mon_groups/m1"
[ "$(ls "$M" | tr '\n' ' ')" = "cpus cpus_list info mon_data mon_groups tasks " ] ||
  fail "no-alloc root entries: $(ls "$M")"
ok "no schemata, mode or size without allocation"
[ "$(ls "$M/info" | tr '\n' ' ')" = "L3_MON last_cmd_status " ] ||
  fail "no-alloc info: $(ls "$M/info")"
ok "no info/L3 without allocation"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
