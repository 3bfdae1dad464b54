#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's life: the ready line and file, a clean unmount on SIGTERM,
# SIGINT and SIGHUP (exit 0), exit when unmounted from outside, refusal of
# bad options before mounting anything.
# ls of names the emulator controls is what is being checked
# shellcheck disable=SC2012 source=tests/resctrl-emu/emu-lib.sh
. "$VR_SRCDIR/tests/resctrl-emu/emu-lib.sh"

for sig in TERM INT HUP; do
  start_emu "sig$sig"
  mountpoint -q "$M" || fail "$M not mounted once ready"
  grep -q " $M fuse.resctrl-emu " /proc/mounts || fail "no fuse.resctrl-emu mount"
  ok "mounted as fuse.resctrl-emu once the ready file exists"
  expect ok mkdir "$M/c1"
  if [ "$sig" = TERM ]; then
    # flock(LOCK_EX) on the root, as libvirt and the plugin take it, excludes
    # a second locker (the FUSE kernel module keeps the lock locally)
    inner=$(flock -n "$M" sh -c "flock -n '$M' true; echo \$?")
    [ "$inner" = 1 ] || fail "a second flock on the root succeeded"
    ok "flock on the root excludes a second locker"
  fi
  stop_emu "$EMU_PID" "$M" "$EMU_LOG" "$sig"
  [ ! -e "$WORK/sig$sig/ready" ] || fail "ready file left behind"
  ok "SIG$sig: ready file removed"
done

# unmounted from outside: the emulator ends on its own
start_emu outside
fusermount3 -u "$M"
rc=0
wait_exit "$EMU_PID" || rc=$?
[ "$rc" = 0 ] || fail "exit $rc after fusermount3 -u: $(cat "$EMU_LOG")"
ok "fusermount3 -u ends the emulator with exit 0"

# bad options: usage, exit 2, nothing mounted
mkdir -p "$WORK/bad"
for opts in "--num-rmids 0" "--cache-ids 1,1" "--cache-ids x" \
  "--features llc_occupancy,bogus" "--l3-size 12" "--bogus" ""; do
  rc=0
  # shellcheck disable=SC2086
  "$EMU" $opts ${opts:+"$WORK/bad"} >/dev/null 2>"$WORK/bad.err" || rc=$?
  [ "$rc" = 2 ] || fail "'$opts': exit $rc"
  if mountpoint -q "$WORK/bad"; then fail "'$opts' mounted"; fi
  grep -q usage "$WORK/bad.err" || fail "'$opts': no usage"
  ok "'$opts' is refused with exit 2"
done
# a control path that is not a FIFO
touch "$WORK/notfifo"
rc=0
"$EMU" --control "$WORK/notfifo" "$WORK/bad" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a regular file as control: exit $rc"
if mountpoint -q "$WORK/bad"; then fail "mounted with a bad control"; fi
ok "a control path that is not a FIFO is refused"
done_checks
