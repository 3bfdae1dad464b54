#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The resctrl rules the emulator (tests/resctrl-emu) models, checked against
# Linux's own resctrl in the kernel bed's guest: the kernel back-end of the
# shared case list tests/support/rules-cases.sh (the emulator's is
# tests/resctrl-emu/test-rules.sh), then what only the bed can show (MBM
# wrap at the counter width, limbo lasting while the occupancy is high).
# Run inside the guest:
#   tests/kernel-bed/run-in-guest --kernel V -- tests/kernel-bed/rules-kernel.sh
# It needs the bed's defaults: 2 L3 domains, 8 RMIDs, 4 CLOSIDs.  Values come
# from kbed-load, a task pinned to a CPU of the domain, inside the group.
# Each check cites the kernel function whose rule it follows (6.1:
# arch/x86/kernel/cpu/resctrl/, 6.16 on: fs/resctrl/).
: "${VR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
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

# --- the back-end for rules-cases.sh: counters move through kbed-load, a
# task of the group on a CPU of the domain (the bed's QEMU counts for the
# RMID loaded on that CPU, in its L3 domain)
be_version() { uname -r; }
be_fresh() { :; } # a new group's counters read 0 in the bed
declare -A MBM_NOW
be_set() {
  local g=$1 d=$2 e=$3 v=$4 id act k
  case $e in
  llc_occupancy) id=1 act=occupancy ;;
  mbm_total_bytes) id=2 act=total ;;
  mbm_local_bytes) id=3 act=local ;;
  *) fail "be_set: no event $e" ;;
  esac
  case $v in
  Unavailable) load "$g" "$d" unavailable=$id ;;
  Error) load "$g" "$d" error=$id ;;
  *)
    if [ $id = 1 ]; then
      load "$g" "$d" occupancy="$v"
    else
      # MBM counters only count up: add what is missing (0 clears a word)
      k="$g $d $e"
      [ "$v" -ge "${MBM_NOW[$k]:-0}" ] || fail "be_set $k $v: MBM counters only grow"
      load "$g" "$d" "$act=$((v - ${MBM_NOW[$k]:-0}))"
      MBM_NOW[$k]=$v
    fi
    ;;
  esac
}
be_task() { hold "$1" 0; }
be_end_task() {
  kill "$1"
  wait "$1" 2>/dev/null || true
}
# occupancy at or above max_threshold_occupancy keeps a freed RMID in limbo
# (__check_limbo)
be_dirty() { load "$1" 0 occupancy=$(($(cat "$M/info/L3_MON/max_threshold_occupancy") + 64)); }
# lower every RMID's occupancy on both domains: the owner of a dirty RMID is
# gone, so through the RMID number
be_clean() {
  local d r
  for d in 0 1; do
    for r in 1 2 3 4 5 6 7; do
      "$LOAD" --cpu "$(cpu_of "$d")" rmid=$r occupancy=0 >/dev/null ||
        fail "kbed-load rmid=$r occupancy=0 failed"
    done
  done
}
# shellcheck source=tests/support/rules-cases.sh
. "$VR_SRCDIR/tests/support/rules-cases.sh"

# --- only the bed: MBM wrap at the counter width (mbm_overflow_count: 24
# bits here); the emulator has no counter width, it answers the sum
big=$((3 << 28)) # 0.75 GiB: 0.75 x 2^24 units of 64 bytes
w=$(val mon_groups/r1 0 mbm_total_bytes)
load mon_groups/r1 0 total=$big
val mon_groups/r1 0 mbm_total_bytes >/dev/null # the kernel keeps prev_msr
load mon_groups/r1 0 total=$big
expect_val mon_groups/r1 0 mbm_total_bytes $((w + 2 * big))
ok "an MBM counter that wrapped at 24 bits still reads the sum"

# --- only the bed: an RMID stays in limbo as long as its occupancy stays at
# or above max_threshold_occupancy (__check_limbo); the emulator stands for
# that with a time (--limbo-ms)
n=0
while "$FDTOOL" mkdir "$M/mon_groups/z$n" | grep -qx ok; do
  n=$((n + 1))
  [ $n -lt 20 ] || fail "more than 20 MON groups with 8 RMIDs"
done
[ $n -gt 0 ] || fail "no RMID free for the limbo case"
be_dirty mon_groups/z0
expect ok rmdir "$M/mon_groups/z0"
expect EBUSY mkdir "$M/mon_groups/z0"
sleep 2.5
expect EBUSY mkdir "$M/mon_groups/z0"
ok "an RMID whose occupancy stays above max_threshold_occupancy stays in limbo"
be_clean
rules_mkdir_poll "$M/mon_groups/z0"

echo "# $CHECKS checks passed on $(uname -r)"
