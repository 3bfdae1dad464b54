#!/bin/bash
# SPDX-License-Identifier: MIT
# Counts the system calls of the value reader under strace -c: with kept
# fds one pread64 per value and nothing else in steady state; beyond the fd
# budget open + pread + close. Measured as the difference between 200 and
# 100 reads, so setup does not count.
. "$VR_SRCDIR/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/emu.sh"
set -u
command -v strace >/dev/null || vr_fail "strace is missing"
loop="$VR_BUILDDIR/tests/integration/resctrl_readloop"
vr_setup
mnt="$VR_TMP/mnt"
vr_emu_start "$mnt"

# total_calls N BUDGET [SYSCALL]: calls counted by strace -c (all, or one);
# prints nothing when the run fails, which the arithmetic below rejects.
# LeakSanitizer cannot run under ptrace: off for these runs only.
total_calls() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -c -o "$VR_TMP/sc" "$loop" "$mnt" "$1" "$2" >/dev/null ||
    { echo "FAIL: readloop $1 $2" >&2; return 1; }
  awk -v s="${3:-total}" '$NF == s { print ($4 ~ /^[0-9]+$/) ? $4 : $3 }' \
    "$VR_TMP/sc"
}

fail=0
set -e
# 2 caches x 3 features = 6 values a read.
a=$(total_calls 100 100)
b=$(total_calls 200 100)
p1=$(total_calls 100 100 pread64)
p2=$(total_calls 200 100 pread64)
p=$((p2 - p1))
per_value=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) / 600 }')
echo "kept fds: $((b - a)) system calls for 600 values ($per_value per value), of them pread64: $p"
set +e
[ "$((b - a))" -eq 600 ] || { echo "FAIL: expected exactly one system call per value"; fail=1; }
[ "$p" -eq 600 ] || { echo "FAIL: expected them all to be pread64"; fail=1; }

set -e
a=$(total_calls 100 0)
b=$(total_calls 200 0)
set +e
per_value=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) / 600 }')
echo "fallback (no fd budget): $((b - a)) system calls for 600 values ($per_value per value)"
[ "$((b - a))" -ge 1800 ] || { echo "FAIL: fallback should open, pread and close"; fail=1; }
exit $fail
