#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sub-NUMA Clustering in the emulator
# (doc/design.md, "resctrl rules", Domains), as Linux 6.11+ has it with --snc
# N nodes per L3 domain:
#  - mkdir_mondata_subdir(): each group's mon_data/mon_L3_XX (XX the L3
#    cache id) holds its event files and one mon_sub_L3_YY per SNC node, YY
#    the node's domain id (its NUMA node: the L3s in cache id order, each
#    with the next N ids), two digits at least ("mon_sub_%s_%02d");
#  - __mon_event_count() with rr->sum: the L3's file reads the sum of its
#    nodes' values that read, "Unavailable" only when none does;
#  - rdt_get_mon_l3_config(): num_rmids is the hardware's count divided by
#    the nodes per L3, and mkdir runs out of RMIDs at that count;
#  - rdtgroup_cbm_to_size(): the size file divides the L3 by the nodes.
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

start_emu main --cache-ids 8,0 --snc 2 --num-rmids 8 --l3-size 4194304
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"

for g in . c1 c1/mon_groups/m1; do
  [ "$(ls "$M/$g/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_08 " ] ||
    fail "$g/mon_data: $(ls "$M/$g/mon_data")"
  [ "$(ls "$M/$g/mon_data/mon_L3_00" | tr '\n' ' ')" = "llc_occupancy mbm_local_bytes mbm_total_bytes mon_sub_L3_00 mon_sub_L3_01 " ] ||
    fail "$g/mon_data/mon_L3_00: $(ls "$M/$g/mon_data/mon_L3_00")"
  [ "$(ls "$M/$g/mon_data/mon_L3_08" | tr '\n' ' ')" = "llc_occupancy mbm_local_bytes mbm_total_bytes mon_sub_L3_02 mon_sub_L3_03 " ] ||
    fail "$g/mon_data/mon_L3_08: $(ls "$M/$g/mon_data/mon_L3_08")"
  [ "$(ls "$M/$g/mon_data/mon_L3_08/mon_sub_L3_03" | tr '\n' ' ')" = "llc_occupancy mbm_local_bytes mbm_total_bytes " ] ||
    fail "$g/mon_data/mon_L3_08/mon_sub_L3_03: $(ls "$M/$g/mon_data/mon_L3_08/mon_sub_L3_03")"
done
ok "mon_L3_00 holds nodes 00 01, mon_L3_08 nodes 02 03, each node the three events"

# the L3's file is the sum of its nodes; a CTRL_MON group adds its MON groups
ctl "c1/mon_groups/m1 node:2 llc_occupancy 4096"
ctl "c1/mon_groups/m1 node:3 llc_occupancy 8192"
ctl "c1/mon_groups/m1 node:2 mbm_total_bytes 1000000"
ctl "c1/mon_groups/m1 node:3 mbm_total_bytes 234"
ctl "c1 node:2 llc_occupancy 64"
ctl "c1 node:3 llc_occupancy 128"
d=$M/c1/mon_groups/m1/mon_data/mon_L3_08
expect_file "$d/mon_sub_L3_02/llc_occupancy" 4096
expect_file "$d/mon_sub_L3_03/llc_occupancy" 8192
expect_file "$d/llc_occupancy" 12288
expect_file "$d/mbm_total_bytes" 1000234
expect_file "$M/c1/mon_data/mon_L3_08/mon_sub_L3_02/llc_occupancy" 4160
expect_file "$M/c1/mon_data/mon_L3_08/llc_occupancy" 12480

# a node that does not read leaves the others' sum; none reading: Unavailable
ctl "c1/mon_groups/m1 node:3 llc_occupancy Unavailable"
expect_file "$d/mon_sub_L3_03/llc_occupancy" Unavailable
expect_file "$d/llc_occupancy" 4096
ctl "c1/mon_groups/m1 node:2 llc_occupancy Error"
expect_file "$d/llc_occupancy" Unavailable

# a kept fd of a node's file reads afresh (pread at 0)
f=$d/mon_sub_L3_02/mbm_total_bytes
expect "$(printf 'ok\n1000000\nok\n2000000')" keep "$f" pread \
  ctl "$CTL" "c1/mon_groups/m1 node:2 mbm_total_bytes 2000000" pread

# synthetic values: each node its own, the L3 their sum
a=$(cat "$M/mon_data/mon_L3_00/mon_sub_L3_00/llc_occupancy")
b=$(cat "$M/mon_data/mon_L3_00/mon_sub_L3_01/llc_occupancy")
s=$(cat "$M/mon_data/mon_L3_00/llc_occupancy")
[ "$s" = $((a + b)) ] || fail "root mon_L3_00 reads $s, its nodes $a + $b"
ok "synthetic: mon_L3_00 ($s) is node 00 ($a) + node 01 ($b)"

# control lines name nodes, not the L3 (its value is the nodes' sum)
ctl "c1 0 llc_occupancy 5"
ctl "c1 node:4 llc_occupancy 5"
sleep 0.3
expect_file "$M/c1/mon_data/mon_L3_00/llc_occupancy" "$(cat "$M/c1/mon_data/mon_L3_00/llc_occupancy")"
grep -q "set node:<id> instead of '0'" "$EMU_LOG" || fail "no refusal of a cache id line: $(cat "$EMU_LOG")"
grep -q "no SNC node '4'" "$EMU_LOG" || fail "no refusal of node 4: $(cat "$EMU_LOG")"
ok "a cache id line and an unknown node are refused on stderr"

# num_rmids: 8 / 2 nodes = 4 (RMID 0 the root's, c1 and m1 hold two)
expect_file "$M/info/L3_MON/num_rmids" 4
expect ok mkdir "$M/mon_groups/r3"
expect ENOSPC mkdir "$M/mon_groups/r4"
last_status_has "$M" "Out of RMIDs"
# the size file: each L3 shared by its nodes
expect_file "$M/size" "L3:0=2097152;8=2097152"

# a domain offline and back: its nodes' MBM counters restart too
ctl "domain 8 offline"
ctl "domain 8 online"
expect_file "$d/mon_sub_L3_02/mbm_total_bytes" 0
expect_file "$d/mbm_total_bytes" 0

stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
