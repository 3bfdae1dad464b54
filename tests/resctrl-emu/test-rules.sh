#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The resctrl rules of tests/support/rules-cases.sh on the emulator: the
# same case list the kernel bed runs against Linux's own resctrl
# (tests/kernel-bed/rules-kernel.sh), with the emulator in the bed's shape.
# Its limbo stands for the kernel's occupancy threshold with a time
# (--limbo-ms): be_dirty and be_clean have nothing to do, the cases poll.
# shellcheck source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

# the bed's guest: two L3 domains, 8 RMIDs, 4 CLOSIDs, the three events, a
# 16 MiB L3 (max_threshold_occupancy 2097152 there, as in the guest)
start_emu rules --cache-ids 0,1 --num-rmids 8 --num-closids 4 \
  --l3-size 16777216 --limbo-ms 1000

be_version() { echo 6.12; } # the emulator models the newest rules seen
be_fresh() {
  local d f
  for d in 0 1; do
    for f in llc_occupancy mbm_total_bytes mbm_local_bytes; do
      ctl "$1 $d $f 0"
    done
  done
}
be_set() { ctl "$1 $2 $3 $4"; }
# a sleep process moved into GROUP (through its CTRL_MON group first, as a
# MON group takes only tasks of its parent)
be_task() {
  start_task
  case $1 in
  */mon_groups/*) expect ok write "$M/${1%%/mon_groups/*}/tasks" "$TASK" ;;
  esac
  expect ok write "$M/$1/tasks" "$TASK"
  PID=$TASK
}
be_end_task() { end_task "$1"; }
be_dirty() { :; }
be_clean() { :; }
# shellcheck source=tests/support/rules-cases.sh
. "$VR_SRCDIR/tests/support/rules-cases.sh"
stop_emu "$EMU_PID" "$M" "$EMU_LOG"
done_checks
