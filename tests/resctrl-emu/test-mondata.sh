#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's mon_data: mon_L3_XX naming (two digits at least, sparse ids),
# the features present, value format, stable occupancy, growing MBM counters,
# CTRL_MON sums, control-channel values and words, fresh reads through a
# kept fd (pread at 0), ENODEV on a kept fd of a removed group.
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

L3=4194304
start_emu main --cache-ids 11,0,8 --l3-size "$L3" --num-rmids 8
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/c1/mon_groups/m2"
expect ok mkdir "$M/mon_groups/r1"

for g in . c1 c1/mon_groups/m1 mon_groups/r1; do
  [ "$(ls "$M/$g/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_08 mon_L3_11 " ] ||
    fail "$g/mon_data: $(ls "$M/$g/mon_data")"
  ok "$g/mon_data holds mon_L3_00 mon_L3_08 mon_L3_11"
  [ "$(ls "$M/$g/mon_data/mon_L3_08" | tr '\n' ' ')" = "llc_occupancy mbm_local_bytes mbm_total_bytes " ] ||
    fail "$g/mon_data/mon_L3_08: $(ls "$M/$g/mon_data/mon_L3_08")"
  ok "$g/mon_data/mon_L3_08 holds the three features"
done
[ ! -e "$M/mon_data/mon_L3_8" ] || fail "mon_L3_8 exists"
ok "no one-digit name"

# each file is a number and a newline
f="$M/c1/mon_groups/m1/mon_data/mon_L3_08/llc_occupancy"
[ "$(od -An -c "$f" | tr -d ' ' | tail -c 3)" = '\n' ] || fail "$f lacks a newline"
ok "a value ends with a newline"
for g in . c1 c1/mon_groups/m1 mon_groups/r1; do
  for feat in llc_occupancy mbm_total_bytes mbm_local_bytes; do
    v=$(cat "$M/$g/mon_data/mon_L3_00/$feat")
    [[ "$v" =~ ^[0-9]+$ ]] || fail "$g $feat reads '$v'"
  done
done
ok "every value reads as a decimal number"

# occupancy is stable and below the L3 size; MBM counters only grow
o1=$(cat "$f")
o2=$(cat "$f")
[ "$o1" = "$o2" ] || fail "occupancy changed: $o1 $o2"
[ "$o1" -le "$L3" ] || fail "occupancy $o1 above the L3 size"
ok "synthetic occupancy is stable ($o1) and within the L3"
for feat in mbm_total_bytes mbm_local_bytes; do
  prev=-1
  for _ in 1 2 3; do
    v=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_11/$feat")
    [ "$v" -gt "$prev" ] || fail "$feat did not grow: $prev then $v"
    prev=$v
    sleep 0.2
  done
  ok "$feat grows ($prev)"
done
t=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_11/mbm_total_bytes")
l=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_11/mbm_local_bytes")
[ "$l" -le "$t" ] || fail "local $l above total $t"
ok "local bytes stay below total bytes"

# control values are returned exactly; a CTRL_MON group adds its MON groups
m1_cache0=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_00/llc_occupancy")
ctl "c1/mon_groups/m1 8 llc_occupancy 4096"
ctl "c1/mon_groups/m2 8 llc_occupancy 1000"
ctl "c1 8 llc_occupancy 100"
ctl "./c1/mon_groups/m1/ 8 mbm_total_bytes 123456789012"
ctl "c1/mon_groups/m2 8 mbm_total_bytes 0"
ctl "c1 8 mbm_total_bytes 1"
expect_file "$M/c1/mon_groups/m1/mon_data/mon_L3_08/llc_occupancy" 4096
expect_file "$M/c1/mon_groups/m2/mon_data/mon_L3_08/llc_occupancy" 1000
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" 5196
expect_file "$M/c1/mon_data/mon_L3_08/mbm_total_bytes" 123456789013
# the root adds its own MON groups, not other CTRL_MON groups'
ctl ". 0 llc_occupancy 7"
ctl "mon_groups/r1 0 llc_occupancy 3"
expect_file "$M/mon_data/mon_L3_00/llc_occupancy" 10
expect_file "$M/mon_groups/r1/mon_data/mon_L3_00/llc_occupancy" 3
# another cache keeps its own (synthetic) value
expect_file "$M/c1/mon_groups/m1/mon_data/mon_L3_00/llc_occupancy" "$m1_cache0"

# the words; a CTRL_MON group sums what reads and reports an error only when
# nothing does (the last error, MON groups in creation order)
for word in Unavailable Error Unassigned; do
  ctl "c1/mon_groups/m1 8 llc_occupancy $word"
  expect_file "$M/c1/mon_groups/m1/mon_data/mon_L3_08/llc_occupancy" "$word"
done
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" 1100
ctl "c1 8 llc_occupancy Error"
ctl "c1/mon_groups/m2 8 llc_occupancy Unavailable"
ctl "c1/mon_groups/m1 8 llc_occupancy Unassigned"
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" Unavailable
ctl "c1/mon_groups/m2 8 llc_occupancy Error"
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" Error
ctl "c1/mon_groups/m1 8 llc_occupancy Error"
ctl "c1/mon_groups/m2 8 llc_occupancy 5"
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" 5
# Default goes back to the synthetic value
ctl "c1/mon_groups/m1 8 llc_occupancy Default"
v=$(cat "$M/c1/mon_groups/m1/mon_data/mon_L3_08/llc_occupancy")
[[ "$v" =~ ^[0-9]+$ ]] || fail "Default reads '$v'"
ok "Default gives a synthetic number again ($v)"

# bad control lines change nothing and do not stop the emulator
ctl "nosuch 8 llc_occupancy 1"
ctl "c1 9 llc_occupancy 1"
# 2^32 + 8: not cache id 8 cut to 32 bits
ctl "c1/mon_groups/m2 4294967304 llc_occupancy 1"
ctl "c1 8 nosuch 1"
ctl "c1 8 llc_occupancy -1"
ctl "c1 8 llc_occupancy"
ctl "garbage"
expect_file "$M/c1/mon_groups/m2/mon_data/mon_L3_08/llc_occupancy" 5
grep -q "no group 'nosuch'" "$EMU_LOG" || fail "bad line not reported"
grep -q "no cache id '4294967304'" "$EMU_LOG" || fail "wide cache id not reported"
ok "bad control lines are reported on stderr"

# a kept fd: pread at offset 0 answers afresh every time
g="$M/c1/mon_groups/m2/mon_data/mon_L3_08/llc_occupancy"
expect "$(printf 'ok\n5\nok\n12345\nok\nUnavailable\nok\n777')" keep "$g" pread \
  ctl "$CTL" "c1/mon_groups/m2 8 llc_occupancy 12345" pread \
  ctl "$CTL" "c1/mon_groups/m2 8 llc_occupancy Unavailable" pread \
  ctl "$CTL" "c1/mon_groups/m2 8 llc_occupancy 777" pread
out=$("$FDTOOL" keep "$M/c1/mon_groups/m2/mon_data/mon_L3_11/mbm_total_bytes" \
  pread sleepms 200 pread)
a=$(echo "$out" | sed -n 2p)
b=$(echo "$out" | sed -n 3p)
[ "$b" -gt "$a" ] || fail "kept fd MBM: $a then $b"
ok "pread on a kept fd sees MBM grow ($a -> $b)"
# the group removed under a kept fd: ENODEV, also once a namesake exists
expect "$(printf 'ok\n777\nok\nENODEV\nok\nENODEV')" keep "$g" pread \
  rmdir "$M/c1/mon_groups/m2" pread mkdir "$M/c1/mon_groups/m2" pread
expect ENOENT keep "$M/c1/mon_groups/m9/mon_data/mon_L3_08/llc_occupancy"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"

# only the features asked for; ids above 99 use their digits
start_emu sparse --cache-ids 100,7 --features llc_occupancy
[ "$(ls "$M/mon_data" | tr '\n' ' ')" = "mon_L3_07 mon_L3_100 " ] ||
  fail "mon_data: $(ls "$M/mon_data")"
ok "mon_data holds mon_L3_07 mon_L3_100"
[ "$(ls "$M/mon_data/mon_L3_100")" = llc_occupancy ] ||
  fail "features: $(ls "$M/mon_data/mon_L3_100")"
ok "only llc_occupancy is present"
expect_file "$M/info/L3_MON/mon_features" llc_occupancy
ctl ". 7 mbm_total_bytes 5"
# any operation on the mount applies the pending control lines first
cat "$M/mon_data/mon_L3_07/llc_occupancy" >/dev/null
grep -q "feature 'mbm_total_bytes' not enabled" "$EMU_LOG" ||
  fail "disabled feature accepted"
ok "a disabled feature is refused on the control channel"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
