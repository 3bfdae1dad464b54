#!/usr/bin/env bash
# The resctrl rules the emulator (tests/resctrl-emu) models, checked against
# Linux's own resctrl in the kernel bed's guest.  Run inside the guest:
#   tests/kernel-bed/run-in-guest --kernel V -- tests/kernel-bed/rules-kernel.sh
# It needs the bed's defaults: 2 L3 domains, 8 RMIDs, 4 CLOSIDs.  Values come
# from kbed-load, a task pinned to a CPU of the domain, inside the group.
# Each check cites the kernel function whose rule it follows (6.1:
# arch/x86/kernel/cpu/resctrl/, 6.16 on: fs/resctrl/).
set -eu
: "${VR_BUILDDIR:?VR_BUILDDIR must be set (the build directory)}"
FDTOOL=$VR_BUILDDIR/tests/resctrl-emu/emu-fdtool
LOAD=$VR_BUILDDIR/tests/kernel-bed/kbed-load
M=${VR_RESCTRL:-/sys/fs/resctrl}
CHECKS=0
HELD=""

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}
cleanup() {
  local p
  for p in $HELD; do kill "$p" 2>/dev/null || true; done
  for p in $HELD; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ -x "$FDTOOL" ] || fail "$FDTOOL not built (make in $VR_BUILDDIR)"
[ -x "$LOAD" ] || fail "$LOAD not built (make check in $VR_BUILDDIR)"
[ "$(stat -f -c %t "$M")" = 7655821 ] ||
  fail "$M is not the kernel's resctrl (RDTGROUP_SUPER_MAGIC): run in the bed"

# expect WANT STEP...: one emu-fdtool run whose output must equal WANT
expect() {
  local want=$1 got
  shift
  got=$("$FDTOOL" "$@") || fail "emu-fdtool $* exited $?"
  [ "$got" = "$want" ] || fail "$*: want '$want', got '$got'"
  ok "${*//"$M"\//} -> $(printf '%s' "$want" | tr '\n' '|')"
}
status_has() {
  grep -qxF "$1" "$M/info/last_cmd_status" ||
    fail "last_cmd_status lacks '$1': $(tr '\n' '|' <"$M/info/last_cmd_status")"
  ok "last_cmd_status has '$1'"
}
# cpu_of DOMAIN: the first CPU whose L3 has that id (get_cpu_cacheinfo_id)
cpu_of() {
  local c
  for c in /sys/devices/system/cpu/cpu[0-9]*; do
    if [ "$(cat "$c/cache/index3/id")" = "$1" ]; then
      echo "${c##*cpu}"
      return
    fi
  done
  fail "no CPU in L3 domain $1"
}
# load GROUP DOMAIN ACTION...: a task of GROUP on DOMAIN moves its counters
load() {
  local g=$1 d=$2
  shift 2
  "$LOAD" --cpu "$(cpu_of "$d")" --group "$M/$g" "$@" ||
    fail "kbed-load $g $d $* failed"
}
# hold GROUP DOMAIN ACTION...: as load, the task staying in GROUP; sets PID
hold() {
  local g=$1 d=$2 out
  shift 2
  out=$(mktemp)
  "$LOAD" --cpu "$(cpu_of "$d")" --group "$M/$g" --hold "$@" >"$out" &
  PID=$!
  HELD="$HELD $PID"
  for _ in $(seq 100); do
    [ -s "$out" ] && break
    kill -0 "$PID" 2>/dev/null || fail "kbed-load --hold $g exited"
    sleep 0.05
  done
  rm -f "$out"
}
val() { cat "$M/$1/mon_data/mon_L3_0$2/$3"; }
expect_val() {
  local got
  got=$(val "$1" "$2" "$3")
  [ "$got" = "$4" ] || fail "$1 mon_L3_0$2 $3: want $4, got $got"
  ok "$1 mon_L3_0$2 $3 reads $4"
}

# --- detection (rdt_get_mon_l3_config, rdtgroup_mkdir_info_resdir)
[ "$(cat "$M/info/L3_MON/num_rmids")" = 8 ] ||
  fail "num_rmids $(cat "$M/info/L3_MON/num_rmids")"
ok "info/L3_MON/num_rmids is 8"
for f in llc_occupancy mbm_total_bytes mbm_local_bytes; do
  grep -qx "$f" "$M/info/L3_MON/mon_features" || fail "no $f in mon_features"
done
ok "mon_features lists llc_occupancy mbm_total_bytes mbm_local_bytes"
THRESH=$(cat "$M/info/L3_MON/max_threshold_occupancy")
ok "max_threshold_occupancy is $THRESH"
[ "$(ls "$M/mon_data" | tr '\n' ' ')" = "mon_L3_00 mon_L3_01 " ] ||
  fail "mon_data: $(ls "$M/mon_data")"
ok "mon_data holds mon_L3_00 mon_L3_01 (two-digit names, mkdir_mondata_subdir)"

# --- groups (rdtgroup_mkdir_mon, rdtgroup_mkdir_ctrl_mon)
expect ok mkdir "$M/c1"
expect ok mkdir "$M/c1/mon_groups/m1"
expect ok mkdir "$M/c1/mon_groups/m2"
expect ok mkdir "$M/mon_groups/r1"
expect EEXIST mkdir "$M/mon_groups/r1"
# mon groups do not nest: mkdir anywhere but the root, a CTRL_MON group or
# a mon_groups directory is EPERM (rdtgroup_mkdir's last return)
expect EPERM mkdir "$M/mon_groups/r1/mon_groups"
expect EPERM mkdir "$M/mon_groups/r1/x"
# under info/: EPERM on 6.1 and 6.12; ENODEV on 7.3 (fs/resctrl, where
# rdtgroup_mkdir finds no live rdtgroup for the parent first)
case $(uname -r) in
6.1.* | 6.12.*) expect EPERM mkdir "$M/info/x" ;;
*) expect ENODEV mkdir "$M/info/x" ;;
esac

# --- exact values read back (mon_event_count, __rmid_read)
load c1/mon_groups/m1 0 occupancy=1048576 bandwidth=6400
load c1/mon_groups/m2 0 occupancy=65536 total=128
load c1/mon_groups/m2 1 occupancy=4096
expect_val c1/mon_groups/m1 0 llc_occupancy 1048576
expect_val c1/mon_groups/m1 0 mbm_total_bytes 6400
expect_val c1/mon_groups/m1 0 mbm_local_bytes 6400
expect_val c1/mon_groups/m2 0 mbm_local_bytes 0
expect_val c1/mon_groups/m2 1 llc_occupancy 4096
expect_val c1/mon_groups/m1 1 llc_occupancy 0
# a CTRL_MON group reads its own RMID plus every child's (mon_event_count)
expect_val c1 0 llc_occupancy $((1048576 + 65536))
expect_val c1 0 mbm_total_bytes $((6400 + 128))
expect_val c1 1 llc_occupancy 4096
# a kept fd reads the fresh value at offset 0 (rdtgroup_mondata_show per read)
f=$M/c1/mon_groups/m1/mon_data/mon_L3_00/mbm_total_bytes
got=$(python3 -c '
import os, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
a = os.pread(fd, 64, 0).decode().strip()
subprocess.run(sys.argv[2:], check=True)
b = os.pread(fd, 64, 0).decode().strip()
print(a, b)' "$f" "$LOAD" --cpu "$(cpu_of 0)" --group "$M/c1/mon_groups/m1" total=640)
[ "$got" = "6400 7040" ] || fail "pread at 0 on a kept fd: $got"
ok "pread at 0 on a kept fd reads the fresh value (6400 then 7040)"

# --- Unavailable / Error words (rdtgroup_mondata_show: -EINVAL, -EIO)
load mon_groups/r1 1 unavailable=1 error=2
expect_val mon_groups/r1 1 llc_occupancy Unavailable
expect_val mon_groups/r1 1 mbm_total_bytes Error
load mon_groups/r1 1 occupancy=0 total=0
expect_val mon_groups/r1 1 llc_occupancy 0

# --- MBM wrap at the counter width (mbm_overflow_count: 24 bits here)
big=$((3 << 28)) # 0.75 GiB: 0.75 x 2^24 units of 64 bytes
load mon_groups/r1 0 total=$big
val mon_groups/r1 0 mbm_total_bytes >/dev/null # the kernel keeps prev_msr
load mon_groups/r1 0 total=$big
expect_val mon_groups/r1 0 mbm_total_bytes $((2 * big))
ok "an MBM counter that wrapped at 24 bits still reads the sum"

# --- task moves (__rdtgroup_move_task, rdtgroup_tasks_write)
hold c1/mon_groups/m1 0
T=$PID
grep -qx "$T" "$M/c1/mon_groups/m1/tasks" || fail "$T not in m1/tasks"
grep -qx "$T" "$M/c1/tasks" || fail "$T not in c1/tasks"
ok "a task of a MON group is listed in its parent CTRL_MON's tasks too"
expect ok write "$M/c1/mon_groups/m2/tasks" "$T"
expect EINVAL write "$M/mon_groups/r1/tasks" "$T"
status_has "Can't move task to different control group"
expect ESRCH write "$M/c1/tasks" 999999
kill "$T"
wait "$T" 2>/dev/null || true

# --- out of RMIDs (alloc_rmid: -ENOSPC) and CLOSIDs (closid_alloc)
n=0
while "$FDTOOL" mkdir "$M/mon_groups/x$n" | grep -qx ok; do
  n=$((n + 1))
  [ $n -lt 20 ] || fail "more than 20 MON groups with 8 RMIDs"
done
expect ENOSPC mkdir "$M/mon_groups/x$n"
status_has "Out of RMIDs"
# root, c1, m1, m2, r1 hold 5 of 8 RMIDs
[ $n = 3 ] || fail "made $n more MON groups, want 3"
ok "8 RMIDs: 3 more MON groups, then ENOSPC"
expect ENOSPC mkdir "$M/c3"
ok "no RMID left: a CTRL_MON group cannot be made either"

# --- limbo (__check_limbo, rmdir_mondata_subdir_allrdtgrp, alloc_rmid)
load mon_groups/x0 0 occupancy=$((THRESH + 64))
expect ok rmdir "$M/mon_groups/x0"
expect EBUSY mkdir "$M/mon_groups/y"
status_has "Out of RMIDs"
sleep 2.5
expect EBUSY mkdir "$M/mon_groups/y"
ok "an RMID whose occupancy stays above max_threshold_occupancy stays in limbo"
# lower it through the RMID number: the group that owned it is gone
for r in 1 2 3 4 5 6 7; do
  "$LOAD" --cpu "$(cpu_of 0)" rmid=$r occupancy=0 >/dev/null
done
got=EBUSY
for _ in $(seq 50); do
  got=$("$FDTOOL" mkdir "$M/mon_groups/y")
  [ "$got" = ok ] && break
  sleep 0.1
done
[ "$got" = ok ] || fail "mkdir after the occupancy fell: $got"
ok "below the threshold the RMID is reused (within 5 s)"

# free RMIDs for what follows (MON groups with no occupancy leave limbo
# at the next limbo check, within a second or two)
expect ok rmdir "$M/mon_groups/x1"
expect ok rmdir "$M/mon_groups/x2"
hold mon_groups/r1 1
T=$PID
for _ in $(seq 50); do
  [ "$("$FDTOOL" mkdir "$M/c2")" = ok ] && break
  sleep 0.1
done
# rmdir of a CTRL_MON group returns its tasks to the root (rdtgroup_rmdir_ctrl)
[ -d "$M/c2" ] || fail "mkdir c2 failed after two RMIDs were freed"
expect ok write "$M/c2/tasks" "$T"
expect ok rmdir "$M/c2"
grep -qx "$T" "$M/tasks" || fail "$T not back in the root's tasks"
ok "rmdir of a CTRL_MON group moves its tasks to the root"
kill "$T"
wait "$T" 2>/dev/null || true

echo "# $CHECKS checks passed on $(uname -r)"
