# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for the emulator's own tests; sourced by tests/resctrl-emu/test-*.sh.
# Every emulator is mounted in a private temporary directory and stopped (and
# unmounted) by the EXIT trap, also when a test fails; so are the sleep
# processes the tests start as tasks.
set -eu

: "${VR_BUILDDIR:?VR_BUILDDIR must be set (make check sets it)}"
EMU="$VR_BUILDDIR/tests/resctrl-emu/resctrl-emu"
FDTOOL="$VR_BUILDDIR/tests/resctrl-emu/emu-fdtool"
[ -x "$EMU" ] || { echo "FAIL: $EMU not built" >&2; exit 1; }
[ -x "$FDTOOL" ] || { echo "FAIL: $FDTOOL not built" >&2; exit 1; }
# vr_detach_mount
# shellcheck source=tests/support/collectd-run.sh
. "$VR_SRCDIR/tests/support/collectd-run.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vr-emu-test.XXXXXX")
EMU_PIDS=""
EMU_MOUNTS=""
TASK_PIDS=""
CHECKS=0

emu_cleanup() {
  local p m
  for p in $TASK_PIDS; do kill -KILL "$p" 2>/dev/null || true; done
  for p in $EMU_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $EMU_PIDS; do wait_exit "$p" 2>/dev/null || true; done
  for m in $EMU_MOUNTS; do vr_detach_mount "$m"; done
  for p in $TASK_PIDS; do wait "$p" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
}
trap emu_cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_exit PID: its exit status, waiting at most 5 s before SIGKILL
wait_exit() {
  local _
  for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    echo "FAIL: process $1 did not exit within 5 s" >&2
    return 124
  fi
  wait "$1"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}

# expect WANT STEP...: one emu-fdtool run whose output must equal WANT
expect() {
  local want=$1 got
  shift
  got=$("$FDTOOL" "$@") || fail "emu-fdtool $* exited $?"
  [ "$got" = "$want" ] || fail "$*: want '$want', got '$got'"
  local what="$*"
  ok "${what//"$WORK"\//} -> $(printf '%s' "$want" | tr '\n' '|')"
}

# expect_file PATH WANT: the file's whole content (newlines kept)
expect_file() {
  local got
  got=$(cat "$1") || fail "cannot read $1"
  [ "$got" = "$2" ] || fail "$1: want '$2', got '$got'"
  ok "${1#"$WORK"/} reads '$(printf '%s' "$2" | tr '\n' '|')'"
}

# last_status_has M TEXT: info/last_cmd_status contains the line TEXT
last_status_has() {
  grep -qxF "$2" "$1/info/last_cmd_status" ||
    fail "last_cmd_status lacks '$2': $(cat "$1/info/last_cmd_status")"
  ok "last_cmd_status has '$2'"
}

# listed FILE ID / not_listed FILE ID
listed() {
  grep -qx "$2" "$1" || fail "$2 not listed in $1: $(tr '\n' ' ' <"$1")"
  ok "$2 listed in ${1#"$WORK"/}"
}
not_listed() {
  if grep -qx "$2" "$1"; then fail "$2 listed in $1"; fi
  ok "$2 not listed in ${1#"$WORK"/}"
}

# start_emu NAME [OPTIONS]: mounts an emulator on $WORK/NAME/mnt; sets M (the
# mount), CTL (its control FIFO), EMU_PID and EMU_LOG.
start_emu() {
  local name=$1 dir _
  shift
  dir="$WORK/$name"
  mkdir -p "$dir/mnt"
  M="$dir/mnt"
  CTL="$dir/ctl"
  EMU_LOG="$dir/log"
  "$EMU" --control "$CTL" --ready-file "$dir/ready" "$@" "$M" \
    >"$dir/out" 2>"$EMU_LOG" &
  EMU_PID=$!
  EMU_PIDS="$EMU_PIDS $EMU_PID"
  EMU_MOUNTS="$EMU_MOUNTS $M"
  for _ in $(seq 100); do
    [ -e "$dir/ready" ] && break
    kill -0 "$EMU_PID" 2>/dev/null || fail "emulator died: $(cat "$EMU_LOG")"
    sleep 0.1
  done
  [ -e "$dir/ready" ] || fail "emulator $name not ready after 10 s"
  grep -qx "resctrl-emu: ready" "$dir/out" || fail "no ready line on stdout"
}

# stop_emu PID MNT LOG [SIGNAL]: SIGNAL (default TERM); the emulator must exit
# 0 (so a sanitizer report fails the test) and leave nothing mounted
stop_emu() {
  local pid=$1 mnt=$2 log=$3 sig=${4:-TERM} rc=0
  kill -"$sig" "$pid"
  wait_exit "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "SIG$sig: emulator exited $rc: $(cat "$log")"
  if grep -q -e "runtime error" -e "AddressSanitizer" "$log"; then
    fail "sanitizer report: $(cat "$log")"
  fi
  if mountpoint -q "$mnt"; then fail "$mnt still mounted after SIG$sig"; fi
  EMU_PIDS=$(echo "$EMU_PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
  ok "emulator $pid exited 0 and unmounted after SIG$sig"
}

# start_task: a sleeping process to move between groups; sets TASK
start_task() {
  sleep 600 &
  TASK=$!
  TASK_PIDS="$TASK_PIDS $TASK"
}

# end_task PID: kill it and reap it (a zombie is still a task). SIGKILL:
# a SIGTERM that reaches the forked shell before it execs sleep runs the
# parent's inherited trap, is lost at exec, and the wait then lasts the
# whole 600 s (seen on a loaded machine: test-tasks took 30 minutes).
end_task() {
  kill -KILL "$1"
  wait "$1" 2>/dev/null || true
}

# ctl LINE: one control-channel line
ctl() {
  printf '%s\n' "$1" >"$CTL"
}

# race_rmdir_after_open GROUP: GROUP (relative to the mount) is removed right
# after the next open of its tasks file, as another process's rmdir between
# a reader's open and read would (on a real kernel: a concurrent rmdir)
race_rmdir_after_open() {
  ctl "rmdir-on-open $1"
}

done_checks() {
  echo "# $CHECKS checks passed"
}
