#!/bin/bash
# SPDX-License-Identifier: MIT
# lv_stop (tests/support/libvirtd-env.sh) stops exactly what lv_start started: a private libvirtd
# with a running QEMU guest is stopped, and libvirtd goes by SIGTERM, not SIGKILL. The QEMU
# driver's own driver.pid (libvirtd's pid, beside the guests' pid files) is no guest: killing
# it with SIGKILL made bash say "Killed nsenter ... libvirtd" at the end of a successful run.
set -eu
: "${VR_SRCDIR:?}"
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"
trap lv_stop EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*" >&2; exit 1; }
lv_start
lv_define_guest g1 1
lv_start_guest g1
[ -s "$LV_RUN_PATH/driver.pid" ] || fail "no driver.pid in $LV_RUN_PATH: nothing to tell apart"
[ "$(cat "$LV_RUN_PATH/driver.pid")" = "$LV_LIBVIRTD_PID" ] || fail "driver.pid does not hold libvirtd's pid"
qemu=$(cat "$LV_RUN_PATH/g1.pid")
libvirtd=$LV_LIBVIRTD_PID
err=$(mktemp)
lv_stop 2>"$err"
cat "$err" >&2
if grep -E 'Killed|SIGKILL' "$err"; then fail "lv_stop killed something hard"; fi
for pid in "$qemu" "$libvirtd"; do
	if kill -0 "$pid" 2>/dev/null; then fail "pid $pid still runs after lv_stop"; fi
done
rm -f "$err"
echo "PASS: libvirtd-env-stop (libvirtd $libvirtd and QEMU $qemu stopped, nothing killed hard)"
