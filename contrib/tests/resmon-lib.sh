# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# resmon-lib.sh: what the virt-resmon tests share. Source it from a bash test that sets
#   V     the virt-resmon binary        OUT, ERR  files for its stdout and stderr
#   LV_URI  the private libvirtd's URI (libvirtd-env.sh)
#
#   expect RC ARGS...   runs "$V" -c "$LV_URI" ARGS and fails unless it exits RC
#   same FILE TEXT      FILE holds exactly TEXT
#   same_as FILE        OUT is byte for byte FILE
#   has FILE REGEX      a line of FILE matches REGEX
#   fail MESSAGE        prints FAIL, the last stdout and stderr, exits 1 (the caller's trap cleans up)
# Each check counts in $checks.
checks=0

fail() {
	echo "FAIL: $*" >&2
	echo "--- stdout:" >&2
	cat "$OUT" >&2 || true
	echo "--- stderr:" >&2
	cat "$ERR" >&2 || true
	exit 1
}

expect() {
	local want=$1 rc=0
	shift
	"$V" -c "$LV_URI" "$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" = "$want" ] || fail "virt-resmon $* exited $rc, want $want"
	checks=$((checks + 1))
}

same() {
	[ "$(cat "$1")" = "$2" ] || fail "got '$(cat "$1")', want '$2'"
	checks=$((checks + 1))
}

same_as() {
	cmp -s "$OUT" "$1" || fail "output differs from $1: $(diff "$1" "$OUT" || true)"
	checks=$((checks + 1))
}

has() {
	grep -q -- "$2" "$1" || fail "no '$2' in $1"
	checks=$((checks + 1))
}
