#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's L3 domains going offline and coming back
# (doc/design.md, "resctrl rules", Domains), as the kernel has them: "domain
# ID offline" removes mon_L3_XX from every group (domain_remove_cpu_mon ->
# rmdir_mondata_subdir_allrdtgrp), a value file kept open reads ENODEV from
# then on, also once the domain is back (a new kernfs node); "domain ID
# online" makes it again everywhere (mkdir_mondata_subdir_allrdtgrp), MBM
# counting from zero again (mkdir_mondata_subdir reads each MBM event with
# rr.first set). ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

start_emu main --cache-ids 0,1,2
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/mon_groups/r1"

ctl "c1/mon_groups/m1 1 mbm_total_bytes 5000"
ctl "c1/mon_groups/m1 1 llc_occupancy 640"
f="$M/c1/mon_groups/m1/mon_data/mon_L3_01/mbm_total_bytes"
expect_file "$f" 5000

# offline: gone from every group; a kept fd reads ENODEV, a lookup ENOENT
expect "$(printf 'ok\n5000\nok\nENODEV')" keep "$f" pread \
  ctl "$CTL" "domain 1 offline" pread
for g in . c1 c1/mon_groups/m1 mon_groups/r1; do
  [ "$(ls "$M/$g/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_02 " ] ||
    fail "$g/mon_data while domain 1 is offline: $(ls "$M/$g/mon_data")"
done
ok "domain 1 offline: mon_L3_01 is gone from every group's mon_data"
expect ENOENT keep "$f"
ok "a kept fd of it reads ENODEV, a new open ENOENT"
# the other domains go on
v=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_02/llc_occupancy")
[[ "$v" =~ ^[0-9]+$ ]] || fail "domain 2 reads '$v' while domain 1 is offline"
ok "the other domains still read ($v)"

# a new group made while the domain is offline has no directory for it either
expect ok mkdir "$M/mon_groups/r2"
[ "$(ls "$M/mon_groups/r2/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_02 " ] ||
  fail "r2/mon_data: $(ls "$M/mon_groups/r2/mon_data")"
ok "a group made meanwhile has no mon_L3_01"

# online: back everywhere, MBM from zero, occupancy kept
ctl "domain 1 online"
for g in . c1 c1/mon_groups/m1 mon_groups/r1 mon_groups/r2; do
  [ "$(ls "$M/$g/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_01 mon_L3_02 " ] ||
    fail "$g/mon_data after online: $(ls "$M/$g/mon_data")"
done
ok "domain 1 online: mon_L3_01 is back in every group, the new one too"
expect_file "$f" 0
expect_file "$M/c1/mon_groups/m1/mon_data/mon_L3_01/llc_occupancy" 640
ok "its MBM counter restarted from zero; occupancy is kept"
# the synthetic counters also count from the moment it came back
a=$(cat "$M/mon_groups/r1/mon_data/mon_L3_01/mbm_total_bytes")
b=$(cat "$M/mon_groups/r1/mon_data/mon_L3_02/mbm_total_bytes")
sleep 0.3
a2=$(cat "$M/mon_groups/r1/mon_data/mon_L3_01/mbm_total_bytes")
[ "$a2" -gt "$a" ] || fail "synthetic MBM does not grow after online: $a $a2"
ok "synthetic MBM grows again after online ($a -> $a2; domain 2: $b)"

# a kept fd of the old node stays dead after the domain came back
expect "$(printf 'ok\n0\nok\nok\nENODEV')" keep "$f" pread \
  ctl "$CTL" "domain 1 offline" ctl "$CTL" "domain 1 online" pread

# bad lines
ctl "domain 9 offline"
ctl "domain 1 online"
ctl "domain 1 sideways"
cat "$M/mon_data/mon_L3_00/llc_occupancy" >/dev/null
grep -q "no cache id '9'" "$EMU_LOG" || fail "unknown domain not reported"
grep -q "domain 1 is online already" "$EMU_LOG" || fail "double online not reported"
grep -q "expected 'domain ID offline' or 'domain ID online'" "$EMU_LOG" ||
  fail "bad state not reported"
ok "bad domain lines are reported on stderr"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
