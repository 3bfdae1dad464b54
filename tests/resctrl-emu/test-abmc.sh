#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's ABMC (doc/design.md, "ABMC counters"; Linux 6.18, AMD),
# as fs/resctrl/monitor.c has it: --abmc-counters N gives each L3 domain N
# assignable counters in "mbm_event" mode (resctrl_mbm_assign_mode_show);
# mbm_assign_on_mkdir is on at boot, so the default group's events get
# counters at mount (rdt_get_tree -> rdtgroup_assign_cntrs) and each new
# group's on mkdir while some are free; each group's mbm_L3_assignments
# reads "<event>:<id>=<e|_>;..." (mbm_L3_assignments_show) and takes
# "<event>:<id>=e|_" or "*" for every domain, newline-terminated
# (mbm_L3_assignments_write, resctrl_parse_mbm_assignment); an event
# without a counter reads "Unassigned" (mon_event_count); an assignment
# resets the counter (rdtgroup_assign_cntr); available_mbm_cntrs follows.
# shellcheck source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

start_emu main --cache-ids 0,1 --abmc-counters 4
I="$M/info/L3_MON"
expect_file "$I/mbm_assign_mode" "$(printf '[mbm_event]\ndefault')"
expect_file "$I/num_mbm_cntrs" "0=4;1=4"
# the default group took two per domain at mount
expect_file "$I/available_mbm_cntrs" "0=2;1=2"
expect_file "$I/mbm_assign_on_mkdir" 1
expect_file "$M/mbm_L3_assignments" \
  "$(printf 'mbm_total_bytes:0=e;1=e\nmbm_local_bytes:0=e;1=e')"

# a new MON group gets the last two of each domain on mkdir
expect ok mkdir "$M/mon_groups/a"
expect_file "$I/available_mbm_cntrs" "0=0;1=0"
expect_file "$M/mon_groups/a/mbm_L3_assignments" \
  "$(printf 'mbm_total_bytes:0=e;1=e\nmbm_local_bytes:0=e;1=e')"
# none left: the next one is made all the same, without counters
expect ok mkdir "$M/mon_groups/b"
expect_file "$M/mon_groups/b/mbm_L3_assignments" \
  "$(printf 'mbm_total_bytes:0=_;1=_\nmbm_local_bytes:0=_;1=_')"
expect_file "$M/mon_groups/b/mon_data/mon_L3_00/mbm_total_bytes" Unassigned
expect_file "$M/mon_groups/b/mon_data/mon_L3_01/mbm_local_bytes" Unassigned
v=$(cat "$M/mon_groups/b/mon_data/mon_L3_00/llc_occupancy")
[[ "$v" =~ ^[0-9]+$ ]] || fail "occupancy needs no counter, reads '$v'"
ok "occupancy reads without a counter ($v)"

# no counter free: the write fails ENOSPC and says why
B="$M/mon_groups/b/mbm_L3_assignments"
expect ENOSPC write "$B" "mbm_total_bytes:1=e"
last_status_has "$M" "Failed to allocate counter for mbm_total_bytes in domain 1"
last_status_has "$M" "Assign operation 'mbm_total_bytes:1=e' failed"

# freeing a's total on domain 1 makes one available, and b takes it
ctl "mon_groups/b 1 mbm_total_bytes 777"
expect ok write "$M/mon_groups/a/mbm_L3_assignments" "mbm_total_bytes:1=_"
expect_file "$I/available_mbm_cntrs" "0=0;1=1"
expect_file "$M/mon_groups/a/mon_data/mon_L3_01/mbm_total_bytes" Unassigned
expect ok write "$B" "mbm_total_bytes:1=e"
expect_file "$I/available_mbm_cntrs" "0=0;1=0"
expect_file "$B" "$(printf 'mbm_total_bytes:0=_;1=e\nmbm_local_bytes:0=_;1=_')"
# a counter assigned starts from zero (the 777 a test set was the old one)
expect_file "$M/mon_groups/b/mon_data/mon_L3_01/mbm_total_bytes" 0
ctl "mon_groups/b 1 mbm_total_bytes 4096"
expect_file "$M/mon_groups/b/mon_data/mon_L3_01/mbm_total_bytes" 4096
# assigning again what it holds changes nothing (no reset)
expect ok write "$B" "mbm_total_bytes:1=e"
expect_file "$M/mon_groups/b/mon_data/mon_L3_01/mbm_total_bytes" 4096

# '*': every domain; freeing is never refused
expect ok write "$M/mon_groups/a/mbm_L3_assignments" "mbm_local_bytes:*=_"
expect_file "$I/available_mbm_cntrs" "0=1;1=1"
expect ok write "$B" "mbm_local_bytes:*=e"
expect_file "$B" "$(printf 'mbm_total_bytes:0=_;1=e\nmbm_local_bytes:0=e;1=e')"
expect_file "$I/available_mbm_cntrs" "0=0;1=0"

# syntax as the kernel parses it
expect EINVAL writen "$B" 3
expect ENOENT write "$B" "mbm_bogus:0=e"
last_status_has "$M" "Invalid event mbm_bogus"
expect EINVAL write "$B" "mbm_total_bytes:9=e"
last_status_has "$M" "Invalid domain id 9"
expect EINVAL write "$B" "mbm_total_bytes:0=x"
expect EINVAL write "$B" "mbm_total_bytes:=e"
last_status_has "$M" "Missing domain id"

# rmdir gives its counters back (rdtgroup_unassign_cntrs)
expect ok rmdir "$M/mon_groups/a"
expect_file "$I/available_mbm_cntrs" "0=1;1=0"

# a domain going offline drops its counters (domain_destroy_mon_state);
# back online, every one of them is free and the groups show '_' there
ctl "domain 1 offline"
expect_file "$B" "$(printf 'mbm_total_bytes:0=_\nmbm_local_bytes:0=e')"
expect_file "$I/available_mbm_cntrs" "0=1"
ctl "domain 1 online"
expect_file "$I/available_mbm_cntrs" "0=1;1=4"
expect_file "$B" "$(printf 'mbm_total_bytes:0=_;1=_\nmbm_local_bytes:0=e;1=_')"

# mbm_assign_on_mkdir 0: new groups get none (kstrtobool)
expect ok write "$I/mbm_assign_on_mkdir" 0
expect_file "$I/mbm_assign_on_mkdir" 0
expect ok mkdir "$M/mon_groups/c"
expect_file "$I/available_mbm_cntrs" "0=1;1=4"

# without --abmc-counters none of these files exist, and MBM just counts
start_emu plain --cache-ids 0
for f in info/L3_MON/mbm_assign_mode info/L3_MON/num_mbm_cntrs \
  info/L3_MON/available_mbm_cntrs info/L3_MON/mbm_assign_on_mkdir \
  mbm_L3_assignments; do
  [ ! -e "$M/$f" ] || fail "$f exists without --abmc-counters"
done
ok "no ABMC files without --abmc-counters"

done_checks
