#!/bin/bash
# SPDX-License-Identifier: MIT
# Event storm (doc/design.md, "Benchmarks"), at CI scale: 50 domains of libvirt's test driver
# started back to back (a host boot, here faster than any boot), then all 50 stopped, twice, with
# RefreshInterval a day away so that only lifecycle events drive the engine (vr-bench-storm,
# bench/bench_storm.c: the engine in process, stand-in QEMUs spawned before each start and killed
# after each stop, every mkdir and rmdir under mon_groups counted through inotify). `make
# bench-scale` runs the same program at 500 domains among 20,000 other threads and prints the
# figures. Must hold, in each cycle:
#  1. every group is made exactly once and removed exactly once (no duplicate, no miss), and
#     no other directory comes or goes;
#  2. no backlog: the worker catches up (every group live after the starts, none after the stops;
#     the program fails after 300 s otherwise) in at most one pass per event (50 per phase);
#  3. memory: after the warm-up cycle, the second leaves the heap in use (mallinfo2) within
#     256 KiB of where it started (under ASan mallinfo2 reads 0: LeakSanitizer checks at exit).
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

N=50
prog=$VR_BUILDDIR/bench/vr-bench-storm
threads=$VR_BUILDDIR/bench/vr-bench-threads
for p in "$prog" "$threads"; do [ -x "$p" ] || vr_fail "$p is not built (make check builds it)"; done
chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
vr_emu_start "$VR_TMP/emu" --cache-ids 0,1 --num-rmids $((N + 16)) --limbo-ms 0
for c in 0 1; do
	d="$VR_TMP/sys/devices/system/cpu/cpu$c/cache/index3"
	mkdir -p "$d"
	echo 3 >"$d/level"
	echo "$c" >"$d/id"
	echo 32768K >"$d/size"
done
mkdir -p "$VR_TMP/run"

vr_log "storm: $N domains started, then stopped, twice"
"$prog" "test+unix:///default?socket=$LV_SOCK" "$VR_TMP/emu" "$VR_TMP/sys" "$VR_TMP/run" \
	"$threads" "$N" 0 2 >"$VR_TMP/storm.out" 2>"$VR_TMP/storm.log" || {
	tail -n 30 "$VR_TMP/storm.log" >&2
	vr_fail "vr-bench-storm failed"
}
no_sanitizer_report "$VR_TMP/storm.log"
cat "$VR_TMP/storm.out"
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
cycles=0
while read -r line; do
	cycles=$((cycles + 1))
	for k in "dirs=$N" "made_once=$N" made_more=0 made_less=0 "removed_once=$N" removed_more=0 \
		removed_less=0 overflow=0; do
		[ "$(field "$line" "${k%%=*}")" = "${k#*=}" ] ||
			vr_fail "cycle $cycles: ${k%%=*} is $(field "$line" "${k%%=*}"), not ${k#*=}"
	done
	for k in start_passes stop_passes; do
		[ "$(field "$line" "$k")" -le "$N" ] ||
			vr_fail "cycle $cycles: $k is $(field "$line" "$k"), more than one pass per event"
	done
done <"$VR_TMP/storm.out"
[ "$cycles" = 2 ] || vr_fail "$cycles cycles reported, not 2"
last=$(tail -n 1 "$VR_TMP/storm.out")
growth=$(($(field "$last" heap_end_kib) - $(field "$last" heap_base_kib)))
[ "$growth" -le 256 ] || vr_fail "the second storm left the heap $growth KiB above its start"
vr_log "storm passed: heap growth over the second cycle $growth KiB"
