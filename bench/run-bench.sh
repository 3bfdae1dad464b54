#!/bin/bash
# SPDX-License-Identifier: MIT
# run-bench.sh: what `make bench` runs (doc/design.md, "Benchmarks"). As root: mounts a
# tmpfs laid out as resctrl is and the resctrl emulator, each with 2048 of our
# groups (2 cache ids x 3 features), then per N times the plugin's read path
# against the pread floor (vr-bench-read), counts its system calls with
# strace, and measures event latency against a private libvirtd
# (vr-bench-events). Prints one table; the last line is
# ratio_to_floor_1024=<x.xx> (the tmpfs row at N=1024), the one before it
# ratio_to_floor_<N>_all=<x.xx>: the tmpfs row with everything on (rows
# /A: Sub-NUMA Clustering read per node with ReportSubNUMA true,
# PERF_PKG energy and power with ReportEnergy true, ABMC in the emulator),
# N 1024 where RLIMIT_NOFILE holds its files (see ALLN).
#
# How the zeros are proved:
# - system calls per cycle: strace -c -f over C and 2C cycles of the same
#   program; the difference is C cycles with set-up cancelled out. A
#   directory scan shows as getdents64, a re-open as openat, a libvirt call
#   as socket I/O (connect/sendmsg/recvmsg/sendto/recvfrom/poll/read/write:
#   libvirt's client speaks RPC over its unix socket, there is no other way).
#   The read bench counts all three per cycle.
# - the same with the engine running against a real libvirtd: vr-bench-events
#   attaches strace to the thread that calls vr_engine_read (the read
#   callback's function) while the engine's libvirt event thread and worker
#   run beside it untraced.
set -eu
: "${VR_BUILDDIR:?}" "${VR_SRCDIR:?}"
[ "$(id -u)" -eq 0 ] || { echo "run-bench.sh: run as root (mounts, libvirtd)" >&2; exit 1; }
command -v strace >/dev/null || { echo "run-bench.sh: strace is missing" >&2; exit 1; }
read_bin="$VR_BUILDDIR/bench/vr-bench-read"
events_bin="$VR_BUILDDIR/bench/vr-bench-events"
SIZES=${VR_BENCH_SIZES:-"64 256 1024 2048"}
MAXN=2048
# The everything-on rows (/A) read 20 value files per group and the root
# (2 L3 x (the L3 and its 2 SNC nodes) x 3 events, 2 packages x
# core_energy), each on a kept fd: ALLN groups, 1024 unless the hard
# RLIMIT_NOFILE cannot hold them all beside the plugin's reserve of 256
# (vr_resctrl_fd_budget_init), then the largest of 768, 512, 256 that fits,
# so that the rows time kept fds and not the open-pread-close fallback.
ALL_FILES=20
NOFILE_HARD=$(ulimit -Hn)
if [ -n "${VR_BENCH_ALL_N:-}" ]; then
  ALLN=$VR_BENCH_ALL_N
else
  ALLN=1024
  while [ "$NOFILE_HARD" != unlimited ] && [ "$ALLN" -gt 256 ] &&
    [ $(((ALLN + 1) * ALL_FILES + 256 + 64)) -gt "$NOFILE_HARD" ]; do
    ALLN=$((ALLN - 256))
  done
fi
SC_CYCLES=4 # strace runs: SC_CYCLES and 2 x SC_CYCLES cycles
EDITS=20

# vr_setup, vr_on_cleanup, vr_detach_mount; vr_emu_start
. "$VR_SRCDIR/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/emu.sh"
. "$VR_SRCDIR/bench/resctrl-tree.sh"
vr_setup
W=$VR_TMP
MOUNTS=""
LV_STARTED=0
# Run at exit after the emulators are stopped (registered first, runs last).
cleanup() {
  set +e
  [ "$LV_STARTED" = 1 ] && lv_stop
  for m in $MOUNTS; do vr_detach_mount "$m"; done
}
vr_on_cleanup cleanup

# A sysfs fixture: two L3 caches, ids 0 and 1, of the emulator's size.
for c in 0 1; do
  d="$W/sys/devices/system/cpu/cpu$c/cache/index3"
  mkdir -p "$d"
  echo 3 >"$d/level"
  echo "$c" >"$d/id"
  echo 32768K >"$d/size"
done

# tmpfs laid out as resctrl is (the files vr_resctrl_open checks).
T="$W/tmpfs"
mkdir -p "$T"
mount -t tmpfs -o size=256m vr-bench "$T"
MOUNTS="$MOUNTS $T"
bench_resctrl_tree "$T"
"$read_bin" setup "$T" "$MAXN" --files

E="$W/emu"
vr_emu_start "$E" --cache-ids 0,1 --num-rmids $((MAXN + 8))
"$read_bin" setup "$E" "$MAXN"

# Everything on: a tmpfs tree with two SNC nodes per L3 and
# PERF_PKG on packages 0 and 1, and the emulator with the same plus ABMC.
# The emulator's ABMC has a counter for every group's MBM events (2 events
# x ALLN groups and the root per domain; mbm_assign_on_mkdir assigns them
# at mkdir), so that every value reads as without ABMC and the rows
# compare; its RMIDs are divided by the SNC nodes (rdt_get_mon_l3_config).
TA="$W/tmpfs-all"
mkdir -p "$TA"
mount -t tmpfs -o size=256m vr-bench-all "$TA"
MOUNTS="$MOUNTS $TA"
bench_resctrl_tree_all "$TA"
"$read_bin" setup "$TA" "$ALLN" --files
EA="$W/emu-all"
vr_emu_start "$EA" --cache-ids 0,1 --num-rmids $((2 * (ALLN + 8))) \
  --snc 2 --perf-pkg 0,1 --abmc-counters $((2 * (ALLN + 8)))
"$read_bin" setup "$EA" "$ALLN"

# field LINE KEY: the value of KEY=... in a result line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# calls FILE NAME...: calls counted by strace -c for these system calls
# ("total" for all), summed.
calls() {
  local f=$1
  shift
  awk -v names=" $* " 'index(names, " " $NF " ") { s += ($4 ~ /^[0-9]+$/) ? $4 : $3 } END { print s + 0 }' "$f"
}

SOCKET_CALLS="connect sendmsg recvmsg sendto recvfrom poll ppoll read write readv writev"
# count ROOT N NOFILE CYCLES [KEEP [HOST]]: strace -c -f of one run into $W/sc.CYCLES
# (ROW_OPTS: more options of vr-bench-read run, as for row)
count() {
  local extra=${ROW_OPTS:-}
  [ "$3" != 0 ] && extra="$extra --nofile $3"
  [ "${5:-1}" = 0 ] && extra="$extra --keep-files-open 0"
  [ "${6:-1}" = 0 ] && extra="$extra --host 0"
  # shellcheck disable=SC2086
  strace -f -c -o "$W/sc.$4" "$read_bin" run "$1" "$W/sys" "$2" --cycles "$4" $extra >/dev/null
}

printf '%-6s %5s %5s %9s %19s %9s %6s %7s %8s %8s %7s %7s %7s %8s %9s %8s %8s\n' \
  backend N fbk cycle_us "p10/p90_us" floor_us ratio ns/val sc/value sc/disp open/cy scan/cy sock/cy peak_MiB MiB/1000g heapMiB alloc/cy
RATIO_1024=""
# row NAME ROOT N NOFILE [KEEP [HOST]]: KEEP 0 runs as KeepFilesOpen false, HOST 0 as
# ReportHost false (the host context's root files and sums left out);
# ROW_OPTS: more options of vr-bench-read run (--sub-numa 1)
row() {
  local extra=${ROW_OPTS:-} line
  [ "$4" != 0 ] && extra="$extra --nofile $4"
  [ "${5:-1}" = 0 ] && extra="$extra --keep-files-open 0"
  [ "${6:-1}" = 0 ] && extra="$extra --host 0"
  # shellcheck disable=SC2086
  line=$("$read_bin" run "$2" "$W/sys" "$3" $extra)
  count "$2" "$3" "$4" "$SC_CYCLES" "${5:-1}" "${6:-1}"
  count "$2" "$3" "$4" $((2 * SC_CYCLES)) "${5:-1}" "${6:-1}"
  local a="$W/sc.$SC_CYCLES" b="$W/sc.$((2 * SC_CYCLES))"
  local total=$(($(calls "$b" total) - $(calls "$a" total)))
  local opens=$(($(calls "$b" openat openat2 open) - $(calls "$a" openat openat2 open)))
  local scans=$(($(calls "$b" getdents64 getdents) - $(calls "$a" getdents64 getdents)))
  # shellcheck disable=SC2086
  local sock=$(($(calls "$b" $SOCKET_CALLS) - $(calls "$a" $SOCKET_CALLS)))
  local n=$3 disp files
  disp=$(field "$line" dispatched_per_cycle)
  files=$(field "$line" files)
  awk -v name="$1" -v n="$n" -v fb="$(field "$line" fallback_groups)" \
    -v cm="$(field "$line" cycle_med_us)" -v p10="$(field "$line" cycle_p10_us)" \
    -v p90="$(field "$line" cycle_p90_us)" -v fm="$(field "$line" floor_med_us)" \
    -v ratio="$(field "$line" ratio)" -v nsv="$(field "$line" ns_per_value)" \
    -v total="$total" -v cyc="$SC_CYCLES" -v files="$files" -v disp="$disp" \
    -v opens="$opens" -v scans="$scans" -v sock="$sock" \
    -v peak="$(field "$line" peak_kib)" -v base="$(field "$line" rss_base_kib)" \
    -v end="$(field "$line" rss_end_kib)" -v heap="$(field "$line" heap_per_group)" \
    -v allocs="$(field "$line" allocs_per_cycle)" 'BEGIN {
      printf "%-6s %5d %5d %9.1f %9.1f/%-9.1f %9.1f %6.2f %7.0f %8.2f %8.2f %7.1f %7.1f %7.1f %8.1f %9.2f %8s %8s\n",
        name, n, fb, cm, p10, p90, fm, ratio, nsv, total / (cyc * files),
        total / (cyc * disp), opens / cyc, scans / cyc, sock / cyc,
        peak / 1024, (end - base) / 1024 / n * 1000,
        heap == "-" ? "-" : sprintf("%.2f", heap * 1000 / 1048576), allocs }'
  if [ "$1" = tmpfs ] && [ "$3" = 1024 ] && [ "$4" = 0 ]; then
    RATIO_1024=$(field "$line" ratio)
  fi
  LAST_LINE=$line
  LAST_CYCLE_US=$(field "$line" cycle_med_us)
  LAST_RATIO=$(field "$line" ratio)
}

for n in $SIZES; do
  row tmpfs "$T" "$n" 0
  row emu "$E" "$n" 0
done
# breakdown NAME: where the last row's heap went, per group and per value,
# by structure (vr-bench-read's counting allocator: exact bytes, each chunk
# with its header; the fds' kernel memory is not the process's heap).
MEMORY=""
breakdown() {
  local l=$LAST_LINE
  [ "$(field "$l" heap_per_group)" = - ] && return 0
  MEMORY="$MEMORY$(awk -v name="$1" -v n="$(field "$l" n)" \
    -v lg="$(field "$l" mem_live_group)" -v id="$(field "$l" mem_identifiers)" \
    -v sl="$(field "$l" mem_slots)" -v rd="$(field "$l" mem_reader)" \
    -v vl="$(field "$l" mem_lists)" -v md="$(field "$l" mem_meta)" \
    -v ca="$(field "$l" mem_carries)" -v su="$(field "$l" mem_sums)" \
    -v hf="$(field "$l" mem_host_fixed)" -v fds="$(field "$l" fds_per_group)" \
    -v vals="$(field "$l" values_per_group)" -v allocs="$(field "$l" allocs_per_cycle)" 'BEGIN {
      t = lg + id + sl + rd + vl + md + ca + su
      printf "%-8s %5d %6d %6d %6d %6d %6d %6d %6d %6d %7d %6.0f %4d %6.2f %8s %7.0f\n",
        name, n, vl, md, id, ca, su, rd, sl, lg, t, t / vals, fds,
        t * 1000 / 1048576, allocs, hf }')
"
}

# Everything on (rows /A), ALLN groups: ReportSubNUMA true (each SNC node's
# files too), ReportEnergy true (the plugin's default: core_energy per
# package, and power), the host context; the floor preads exactly the files
# the plugin reads in that mode. Beside it the default tree at ALLN (the
# row above when SIZES holds ALLN) for the cost of turning it all on.
ALL_RATIOS="" ALL_CALLS=""
# per_cycle NAME...: these calls per steady cycle in the last row's strace runs
per_cycle() {
  echo $((($(calls "$W/sc.$((2 * SC_CYCLES))" "$@") - $(calls "$W/sc.$SC_CYCLES" "$@")) / SC_CYCLES))
}
for b in tmpfs emu; do
  root=$T all=$TA
  [ "$b" = emu ] && root=$E all=$EA
  row "$b" "$root" "$ALLN" 0
  plain=$LAST_CYCLE_US
  [ "$b" = tmpfs ] && breakdown default
  ROW_OPTS="--sub-numa 1 --energy 1" row "$b/A" "$all" "$ALLN" 0
  [ "$b" = tmpfs ] && breakdown all-on
  [ "$b" = tmpfs ] && RATIO_ALL=$LAST_RATIO
  ALL_RATIOS="$ALL_RATIOS ${b}_$ALLN=$(awk -v a="$LAST_CYCLE_US" -v p="$plain" 'BEGIN { printf "%.2f", a / p }')"
  # the /A row's strace runs, per steady cycle: which calls, not only how many
  ALL_CALLS="$ALL_CALLS ${b}_$ALLN: $(per_cycle total) system calls, pread64 $(per_cycle pread64)"
  ALL_CALLS="$ALL_CALLS for $(((ALLN + 1) * ALL_FILES)) value files, openat $(per_cycle openat openat2 open),"
  # shellcheck disable=SC2086
  ALL_CALLS="$ALL_CALLS getdents64 $(per_cycle getdents64 getdents), socket $(per_cycle $SOCKET_CALLS);"
done
# The fd budget: a collectd whose RLIMIT_NOFILE is 1024 keeps fds for 128
# groups (budget 768); the rest read open-pread-close.
if [ "${VR_BENCH_FALLBACK:-1}" = 1 ]; then
  for n in 256 1024 2048; do row tmpfs/L "$T" "$n" 1024; done
  row emu/L "$E" 2048 1024
fi
# KeepFilesOpen false (doc/design.md, "resctrl rules", Mounting): nothing open between
# reads, so that resctrl can be unmounted under collectd; the cost side by side with the
# kept-fd read of the same tree and N.
KEEP_RATIOS=""
for b in tmpfs emu; do
  root=$T
  [ "$b" = emu ] && root=$E
  row "$b" "$root" 256 0
  kept=$LAST_CYCLE_US
  row "$b/K0" "$root" 256 0 0
  KEEP_RATIOS="$KEEP_RATIOS ${b}_256=$(awk -v a="$LAST_CYCLE_US" -v k="$kept" 'BEGIN { printf "%.2f", a / k }')"
done
# ReportHost false (doc/design.md, "Host context"): the read cycle without the host
# context (the root's files and the host and vms sums), side by side with the default at
# the same N.
HOST_RATIOS=""
for b in tmpfs emu; do
  root=$T
  [ "$b" = emu ] && root=$E
  row "$b" "$root" 1024 0
  with=$LAST_CYCLE_US
  row "$b/H0" "$root" 1024 0 1 0
  HOST_RATIOS="$HOST_RATIOS ${b}_1024=$(awk -v a="$with" -v h="$LAST_CYCLE_US" 'BEGIN { printf "%.3f", a / h }')"
done
echo "(fbk: groups on the open-pread-close fallback; /L: RLIMIT_NOFILE 1024;" \
  "/K0: KeepFilesOpen false, every group on open-pread-close with its own root open;" \
  "/H0: ReportHost false, no host context (every other row reads the root and sends host and vms);" \
  "/A: everything on, SNC 2 nodes per L3 with ReportSubNUMA true, PERF_PKG on 2 packages" \
  "with ReportEnergy true, ABMC in the emulator;" \
  "sc/value: system calls per value file read, sc/disp per dispatched value;" \
  "open/scan/sock per steady cycle; heapMiB: heap per 1000 groups, exact;" \
  "alloc/cy: allocations per steady read cycle, counted by an interposed malloc)"
echo "KeepFilesOpen false / true, read cycle time:$KEEP_RATIOS"
echo "ReportHost true / false, read cycle time:$HOST_RATIOS"
echo "everything on (/A) / default tree, read cycle time:$ALL_RATIOS" \
  "(N=$ALLN; RLIMIT_NOFILE hard limit $NOFILE_HARD)"
echo "memory per group by structure, tmpfs (heap bytes: each chunk with its header;" \
  "the read pass's own, collectd's stand-in meta data; B/value: per value sent):"
printf '%-8s %5s %6s %6s %6s %6s %6s %6s %6s %6s %7s %6s %4s %6s %8s %7s\n' \
  tree N lists meta ids carry sums reader slots group total B/val fds MiB/1k alloc/cy host
printf '%s' "$MEMORY"
echo "(lists: value lists, the dispatch block of a group: per-metric state and names;" \
  "meta: meta data; ids: identifiers, the live group's names; carry: counter carries;" \
  "sums: host context sums; reader: the fd table and path of its reader; slots: read" \
  "values; group: the live group; MiB/1k: MiB per 1000 groups; host: bytes once per host)"
echo "everything on (/A), per steady cycle (strace -c -f, difference of" \
  "$((2 * SC_CYCLES)) and $SC_CYCLES cycles):$ALL_CALLS"

# Event latency against a real libvirtd, with the engine in the bench.
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"
LV_STARTED=1
lv_start
lv_define_guest vm-bench 2 2
lv_start_guest vm-bench
tid=""
for _ in $(seq 100); do
  tid=$(lv_status_vcpu_tids vm-bench | sed -n 's/^0://p')
  [ -n "$tid" ] && break
  sleep 0.1
done
# With ABMC (doc/design.md, "ABMC counters") on, so the engine's counter step and the
# read pass's coverage values are in the steady state counted below.
vr_emu_start "$W/emu-events" --cache-ids 0,1 --num-rmids 64 --abmc-counters 4
ev=$("$events_bin" "$LV_URI" vm-bench "$tid" "$W/emu-events" "$W/sys" "$LV_RUN_PATH" \
  "$EDITS" 1000 "$W/sc.events")
# diffcalls NAME...: calls in the 2 x 1000 window minus the 1000 one.
diffcalls() { echo $(($(calls "$W/sc.events.2" "$@") - $(calls "$W/sc.events.1" "$@"))); }
ev_total=$(diffcalls total)
ev_pread=$(diffcalls pread64)
# shellcheck disable=SC2086
ev_sock=$(diffcalls $SOCKET_CALLS)
ev_dirs=$(diffcalls getdents64 getdents openat openat2 open)
echo "event latency ($EDITS live metadata edits, virDomainSetMetadata returning ->" \
  "group in the emulator with its vCPU thread in tasks):" \
  "median $(field "$ev" latency_med_ms) ms, max $(field "$ev" latency_max_ms) ms"
echo "engine steady state (1000 x vr_engine_read with libvirtd connected, after" \
  "1000 untraced warm-up reads; the reading thread traced, difference of 2000 and 1000" \
  "cycles): $ev_total system calls, of them pread64 $ev_pread; libvirt socket calls" \
  "$ev_sock, directory scans/opens $ev_dirs; allocations per read $(field "$ev" allocs_per_read)"
# Stop the emulators, libvirtd and the mounts first: the shell reports
# killed jobs as it reaps them, and the ratio must stay the last line
# printed.
vr_emu_stop_all 2>/dev/null
cleanup 2>/dev/null
rm -rf --one-file-system "$W"
trap - EXIT
echo "ratio_to_floor_${ALLN}_all=$(printf '%.2f' "${RATIO_ALL:-0}")"
echo "ratio_to_floor_1024=$(printf '%.2f' "${RATIO_1024:-0}")"
