#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# PERF_PKG telemetry in the emulator (doc/design.md, "The metric table"), as
# Linux 7.0 has it with --perf-pkg IDS:
#  - info/PERF_PKG_MON holds mon_features (the energy group's events,
#    core_energy and activity) and num_rmids;
#  - each group's mon_data holds mon_PERF_PKG_YY per package, YY the
#    package id at least two digits (mkdir_mondata_subdir: "mon_%s_%02d"),
#    beside the mon_L3_XX;
#  - values are decimal fractions (print_event_value): a control line
#    "GROUP pkg:<id> core_energy|activity VALUE" is read back as written,
#    a value never set reads 0.000000, a CTRL_MON group reads its own plus
#    its MON groups' (mon_event_count) with six places;
#  - --perf-pkg-rmids N: info/PERF_PKG_MON/num_rmids reads N, L3_MON's its
#    own, and mkdir runs out of RMIDs at the smaller count ("Compute number
#    of RMIDs as minimum across resources", resctrl_arch_system_num_rmid_idx).
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

start_emu main --cache-ids 0 --perf-pkg 3,0 --num-rmids 16
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/c1/mon_groups/m2"

[ "$(ls "$M/info" | tr '\n' ' ')" = "L3 L3_MON PERF_PKG_MON last_cmd_status " ] ||
  fail "info: $(ls "$M/info")"
expect_file "$M/info/PERF_PKG_MON/mon_features" "$(printf 'core_energy\nactivity')"
expect_file "$M/info/PERF_PKG_MON/num_rmids" 16
for g in . c1 c1/mon_groups/m1; do
  [ "$(ls "$M/$g/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_PERF_PKG_00 mon_PERF_PKG_03 " ] ||
    fail "$g/mon_data: $(ls "$M/$g/mon_data")"
  [ "$(ls "$M/$g/mon_data/mon_PERF_PKG_03" | tr '\n' ' ')" = "activity core_energy " ] ||
    fail "$g/mon_data/mon_PERF_PKG_03: $(ls "$M/$g/mon_data/mon_PERF_PKG_03")"
done
ok "mon_data holds mon_PERF_PKG_00 and _03 beside mon_L3_00, each core_energy and activity"

d=$M/c1/mon_groups/m1/mon_data/mon_PERF_PKG_03
expect_file "$d/core_energy" 0.000000
ctl "c1/mon_groups/m1 pkg:3 core_energy 1234.567891"
ctl "c1/mon_groups/m1 pkg:3 activity 0.5"
ctl "c1/mon_groups/m2 pkg:3 core_energy 10.000009"
ctl "c1/mon_groups/m1 pkg:0 core_energy 7"
expect_file "$d/core_energy" 1234.567891
expect_file "$d/activity" 0.5
expect_file "$M/c1/mon_groups/m1/mon_data/mon_PERF_PKG_00/core_energy" 7
expect_file "$M/c1/mon_groups/m2/mon_data/mon_PERF_PKG_03/core_energy" 10.000009
# the CTRL_MON group: its own (never set) plus m1's and m2's, six places
expect_file "$M/c1/mon_data/mon_PERF_PKG_03/core_energy" 1244.567900
expect_file "$M/c1/mon_data/mon_PERF_PKG_03/activity" 0.500000

# a kept fd reads afresh (pread at 0)
expect "$(printf 'ok\n1234.567891\nok\n1300.000001')" keep "$d/core_energy" pread \
  ctl "$CTL" "c1/mon_groups/m1 pkg:3 core_energy 1300.000001" pread

# bad lines are refused on stderr and change nothing
ctl "c1/mon_groups/m1 pkg:1 core_energy 5"
ctl "c1/mon_groups/m1 pkg:3 core_energy 1.1234567"
ctl "c1/mon_groups/m1 pkg:3 core_energy -1"
ctl "c1/mon_groups/m1 pkg:3 uops_retired 5"
sleep 0.3
expect_file "$d/core_energy" 1300.000001
grep -q "no package '1'" "$EMU_LOG" || fail "no refusal of package 1: $(cat "$EMU_LOG")"
grep -q "bad value '1.1234567'" "$EMU_LOG" || fail "no refusal of 7 fraction digits: $(cat "$EMU_LOG")"
grep -q "bad value '-1'" "$EMU_LOG" || fail "no refusal of -1: $(cat "$EMU_LOG")"
grep -q "no PERF_PKG event 'uops_retired'" "$EMU_LOG" || fail "no refusal of uops_retired: $(cat "$EMU_LOG")"
ok "an unknown package, 7 fraction digits, a sign and an unknown event are refused"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# fewer telemetry RMIDs than L3's: each resource shows its own count, and
# the system has the smaller: the root holds RMID 0, so 3 groups fit in 4
start_emu fewer --cache-ids 0 --perf-pkg 0 --num-rmids 16 --perf-pkg-rmids 4
expect_file "$M/info/L3_MON/num_rmids" 16
expect_file "$M/info/PERF_PKG_MON/num_rmids" 4
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/mon_groups/m2"
expect ENOSPC mkdir "$M/mon_groups/m3"
expect ENOSPC mkdir "$M/c2"
ok "--perf-pkg-rmids 4 under L3's 16: num_rmids 16 and 4, the fourth group ENOSPC"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# --perf-pkg-rmids means nothing without PERF_PKG: refused
if "$EMU" --perf-pkg-rmids 4 "$WORK/nopkg" 2>"$WORK/nopkg.err"; then
  fail "--perf-pkg-rmids without --perf-pkg was taken"
fi
grep -q -- "--perf-pkg-rmids needs --perf-pkg" "$WORK/nopkg.err" || fail "no reason: $(cat "$WORK/nopkg.err")"
ok "--perf-pkg-rmids without --perf-pkg is refused"

# without --perf-pkg: no PERF_PKG anywhere
start_emu plain --cache-ids 0
[ ! -e "$M/info/PERF_PKG_MON" ] || fail "info/PERF_PKG_MON without --perf-pkg"
[ "$(ls "$M/mon_data" | tr '\n' ' ')" = "mon_L3_00 " ] || fail "mon_data: $(ls "$M/mon_data")"
ok "without --perf-pkg: no info/PERF_PKG_MON, no mon_PERF_PKG_YY"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
