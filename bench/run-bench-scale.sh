#!/bin/bash
# SPDX-License-Identifier: MIT
# run-bench-scale.sh: what `make bench-scale` runs
# (doc/design.md, "Benchmarks"). As root: a dense host (20,000 other
# threads, up to 500 running domains of 2 vCPUs, one group each) and the
# engine's resync path measured at 50, 200 and 500 domains
# (vr-bench-scale). Prints one table; the last line is
# resync_500_ms=<median CPU ms, user + system, of one full resync at 500>.
#
# How the set-up stays honest:
# - libvirt: a private libvirtd (tests/support/libvirtd-env.sh) serving
#   libvirt's own test driver (test+unix://<node.xml>?socket=...): real RPC
#   over a unix socket, real virConnectListAllDomains, virDomainGetMetadata
#   and friends, N running domains with our metadata. Only the QEMU driver
#   is missing, and the plugin talks to no QEMU.
# - QEMU: vr-bench-threads stands in for each domain's QEMU with threads
#   named "CPU 0/KVM", "CPU 1/KVM" and <LibvirtRunPath>/<name>.pid, the
#   only two things the plugin's thread lookup reads (vcpu_threads.c), so
#   it runs unchanged.
# - resctrl: the emulator, whose tasks file walks every thread of the host
#   on each read as the kernel's show_rdt_tasks() does (emu_tasks.c).
# - the host: vr-bench-threads with 20,000 idle threads; the bench checks
#   kernel.pid_max, kernel.threads-max and the pids cgroup first and fails
#   when they cannot hold them.
set -eu
: "${VR_BUILDDIR:?}" "${VR_SRCDIR:?}"
[ "$(id -u)" -eq 0 ] || { echo "run-bench-scale.sh: run as root (mounts, libvirtd)" >&2; exit 1; }
command -v strace >/dev/null || { echo "run-bench-scale.sh: strace is missing" >&2; exit 1; }
scale_bin="$VR_BUILDDIR/bench/vr-bench-scale"
threads_bin="$VR_BUILDDIR/bench/vr-bench-threads"
POINTS=${VR_SCALE_POINTS:-"50 200 500"}
OTHER=${VR_SCALE_OTHER_THREADS:-20000}
REPS=${VR_SCALE_REPS:-3}
VCPUS=2
MAXN=0
for n in $POINTS; do [ "$n" -gt "$MAXN" ] && MAXN=$n; done

. "$VR_SRCDIR/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/emu.sh"
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"

# Room for the threads: every task takes a pid below pid_max (the kernel
# keeps the first 300 for itself, RESERVED_PIDS), counts against
# threads-max and against every pids cgroup above us.
# The storm's stand-ins (a spawner and a QEMU of VCPUS threads per domain)
# run beside the points' ones.
need=$((OTHER + MAXN * (VCPUS + 1) + MAXN * (VCPUS + 2) + 500))
used=$(find /proc/[0-9]*/task -maxdepth 1 -mindepth 1 2>/dev/null | wc -l)
pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
[ $((pid_max - 300 - used)) -ge "$need" ] ||
  vr_fail "kernel.pid_max is $pid_max with $used tasks running: no room for $need more (sysctl -w kernel.pid_max=4194304)"
[ $((threads_max - used)) -ge "$need" ] ||
  vr_fail "kernel.threads-max is $threads_max with $used tasks running: no room for $need more"
pids_cg=""
while IFS=: read -r _ ctrl path; do
  case "$ctrl" in
  pids) pids_cg=/sys/fs/cgroup/pids$path ;;
  "") [ -z "$pids_cg" ] && [ -e "/sys/fs/cgroup$path/pids.max" ] && pids_cg=/sys/fs/cgroup$path ;;
  esac
done </proc/self/cgroup
while [ -n "$pids_cg" ] && [ "$pids_cg" != / ]; do
  if [ -r "$pids_cg/pids.max" ]; then
    max=$(cat "$pids_cg/pids.max")
    cur=$(cat "$pids_cg/pids.current" 2>/dev/null || echo 0)
    [ "$max" = max ] || [ $((max - cur)) -ge "$need" ] ||
      vr_fail "the pids cgroup $pids_cg allows $max tasks ($cur used): no room for $need more"
  fi
  pids_cg=${pids_cg%/*}
done

vr_setup
W=$VR_TMP
LV_UP=0
PIDS=""
cleanup() {
  set +e
  for p in $PIDS; do vr_stop_pid "$p" vr-bench-threads 10; done
  [ "$LV_UP" = 1 ] && lv_stop
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

# start_threads OUT ARGS...: one vr-bench-threads, waited until ready.
start_threads() {
  local out=$1 n=0
  shift
  "$threads_bin" "$@" >"$out" 2>"$out.err" &
  PIDS="$PIDS $!"
  until grep -q ready "$out"; do
    vr_alive "$!" || vr_fail "vr-bench-threads $1 failed: $(cat "$out.err")"
    [ "$n" -ge 600 ] && vr_fail "vr-bench-threads $1 not ready after 60 s"
    sleep 0.1
    n=$((n + 1))
  done
}

vr_log "starting $OTHER other threads and $MAXN stand-in QEMUs"
start_threads "$W/host.out" host "$OTHER"
mkdir -p "$W/run"
# NAME=UUID: the stand-in's name and the UUID its command line carries (-uuid),
# those of node-N.xml's domain i below
names=$(seq 1 "$MAXN" | awk '{ printf "vm%04d=5ca1e000-0000-4000-8000-%012d\n", $1, $1 }')
# shellcheck disable=SC2086 # one argument per name
start_threads "$W/qemu.out" qemu "$W/run" "$VCPUS" $names

# node-N.xml: the test driver's host with the first N domains running,
# each with one group of both vCPUs in our metadata.
for n in $POINTS; do
  {
    echo "<node>"
    for i in $(seq 1 "$n"); do
      printf "<domain type='test'><name>vm%04d</name>" "$i"
      printf "<uuid>5ca1e000-0000-4000-8000-%012d</uuid>" "$i"
      printf "<memory>65536</memory><vcpu>%d</vcpu><os><type>hvm</type></os>" "$VCPUS"
      printf "<metadata><resmon xmlns='urn:x-virt-resctrl:resmon:1'>"
      printf "<group vcpus='0-%d'/></resmon></metadata></domain>\n" $((VCPUS - 1))
    done
    echo "</node>"
  } >"$W/node-$n.xml"
done

lv_start || vr_fail "cannot start a private libvirtd"
LV_UP=1
lv_pid=$(lv_libvirtd_pid)
# The RMIDs of one point's groups are freed when its engine stops: no
# limbo, so that the next point measures creation, not the wait.
vr_emu_start "$W/emu" --cache-ids 0,1 --num-rmids $((MAXN + 64)) --limbo-ms 0
emu_pid=$EMU_PID

field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# syscalls FILE: every call in an strace -yy log (an interrupted call is
# one line "<unfinished ...>" and one "<... resumed>": counted once).
syscalls() { grep -Evc 'resumed>|^\+\+\+|^---' "$1" || true; }
# own FILE: the calls that name no tasks file and no mon_groups directory:
# what the engine does in a pass besides the state read (which also lists
# the root: a constant handful of calls counted here).
own() { grep -Ev 'resumed>|^\+\+\+|^---' "$1" | grep -Evc 'tasks|mon_groups' || true; }
# opens FILE SUFFIX: openat calls of paths ending in SUFFIX.
opens() { grep -Ec "^openat2?\(.*$2\"" "$1" || true; }
# rpc FILE: "writes bytes" on unix sockets, libvirt's RPC (one write per
# request: virNetSocketWrite of the whole message).
rpc() {
  awk '/^(write|writev|sendmsg|read|readv|recvmsg)\([0-9]+<UNIX/ {
         n = $NF + 0; if (n > 0) bytes += n
         if ($0 ~ /^(write|writev|sendmsg)/) calls++ }
       END { printf "%d %d\n", calls, bytes }' "$1"
}

printf '%-7s %5s %8s %8s %8s %8s %8s %7s %6s %6s %6s %8s %8s %8s %8s %6s %6s %6s %8s %8s %8s %7s %8s %7s\n' \
  build N start_ms full_ms full_cpu lvd_cpu emu_cpu sc/full tasks comm lv/full lvKiB/f \
  ev_ms ev_cpu ev_thr sc/ev sc/own lv/ev scan_ms scan_thr scan_emu read_us rd_busy rss_MiB
last=""
# VR_SCALE_BINS="label=path ...": several builds of vr-bench-scale (say,
# before and after a change) side by side on the same host set-up.
for n in $POINTS; do for bin in ${VR_SCALE_BINS:-"now=$scale_bin"}; do
  label=${bin%%=*}
  uri="test+unix://$W/node-$n.xml?socket=$LV_SOCK"
  line=$("${bin#*=}" "$uri" "$W/emu" "$W/sys" "$W/run" "$n" "$REPS" \
    "$lv_pid" "$emu_pid" "$W/st.$n") || vr_fail "vr-bench-scale ($label) at $n domains failed"
  f="$W/st.$n.full" e="$W/st.$n.event"
  read -r fcalls fbytes <<<"$(rpc "$f")"
  read -r ecalls _ <<<"$(rpc "$e")"
  printf '%-7s %5d %8s %8s %8s %8s %8s %7d %6d %6d %6d %8.1f %8s %8s %8s %6d %6d %6d %8s %8s %8s %7s %8s %7.1f\n' \
    "$label" "$n" "$(field "$line" start_ms)" "$(field "$line" full_wall_ms)" \
    "$(field "$line" full_cpu_ms)" "$(field "$line" full_libvirtd_ms)" \
    "$(field "$line" full_emu_ms)" "$(syscalls "$f")" "$(opens "$f" /tasks)" \
    "$(opens "$f" /comm)" "$fcalls" "$(awk -v b="$fbytes" 'BEGIN { print b / 1024 }')" \
    "$(field "$line" event_wall_ms)" "$(field "$line" event_cpu_ms)" \
    "$(field "$line" event_thread_ms)" "$(syscalls "$e")" "$(own "$e")" "$ecalls" \
    "$(field "$line" scan_wall_ms)" \
    "$(field "$line" scan_thread_ms)" "$(field "$line" scan_emu_ms)" "$(field "$line" read_idle_us)" \
    "$(field "$line" read_busy_max_us)" "$(awk -v k="$(field "$line" rss_kib)" 'BEGIN { print k / 1024 }')"
  last=$(field "$line" full_cpu_ms)
done; done
echo "(medians of $REPS passes; _ms wall, _cpu CPU ms user+system: ours (every" \
  "thread of the engine's process), libvirtd's, the emulator's; sc: system calls" \
  "of the worker thread in one pass (strace); sc/own: those that are not the state" \
  "read's (tasks files, directory listings); ev_thr: the worker thread's own CPU ms;" \
  "scan: the state read alone (every tasks file): wall, the reading thread's CPU," \
  "the emulator's CPU; tasks/comm: tasks and comm files" \
  "opened; lv: libvirt RPC requests; read_us: one read pass idle, rd_busy: the" \
  "longest read pass while a full resync ran; host: $OTHER other threads," \
  "$VCPUS vCPUs per domain, one group each)"

# The event storm (doc/design.md, "Benchmarks"): MAXN domains of the test
# driver's shared default host started back to back (VR_STORM_SPREAD_S
# spreads them over that many seconds), then stopped, VR_STORM_CYCLES
# times, on the same host; groups counted through inotify
# (bench/bench_storm.c).
storm_bin="$VR_BUILDDIR/bench/vr-bench-storm"
mkdir -p "$W/run-storm"
vr_log "event storm: $MAXN domains started, then stopped"
"$storm_bin" "test+unix:///default?socket=$LV_SOCK" "$W/emu" "$W/sys" "$W/run-storm" \
  "$threads_bin" "$MAXN" "${VR_STORM_SPREAD_S:-0}" "${VR_STORM_CYCLES:-2}" \
  >"$W/storm.out" 2>"$W/storm.err" || vr_fail "vr-bench-storm failed: $(tail -n 5 "$W/storm.err")"
printf '%-5s %5s %8s %6s %10s %7s %6s %10s %5s %5s %5s %5s %5s %5s %8s %8s %8s %8s %8s\n' \
  cycle N starts_s passes catchup_ms stops_s passes catchup_ms made1 made+ made- rm1 rm+ rm- \
  rss0_MiB rssP_MiB rss1_MiB heap0KiB heap1KiB
while read -r line; do
  printf '%-5s %5s %8s %6s %10s %7s %6s %10s %5s %5s %5s %5s %5s %5s %8.1f %8.1f %8.1f %8s %8s\n' \
    "$(field "$line" cycle)" "$(field "$line" n)" "$(field "$line" starts_s)" \
    "$(field "$line" start_passes)" "$(field "$line" start_catchup_ms)" "$(field "$line" stops_s)" \
    "$(field "$line" stop_passes)" "$(field "$line" stop_catchup_ms)" "$(field "$line" made_once)" \
    "$(field "$line" made_more)" "$(field "$line" made_less)" "$(field "$line" removed_once)" \
    "$(field "$line" removed_more)" "$(field "$line" removed_less)" \
    "$(awk -v k="$(field "$line" rss_base_kib)" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$(field "$line" rss_peak_kib)" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$(field "$line" rss_end_kib)" 'BEGIN { print k / 1024 }')" \
    "$(field "$line" heap_base_kib)" "$(field "$line" heap_end_kib)"
done <"$W/storm.out"
echo "(storm: starts_s/stops_s: time the $MAXN starts (stops) took; passes: the worker's" \
  "passes meanwhile and until caught up; catchup_ms: last start (stop) returning to every" \
  "group live (gone); made1/made+/made-: groups made once, more, less often per cycle" \
  "(inotify on mon_groups); rm: the same for rmdir; rss0/rssP/rss1: before, at the" \
  "peak, after; heap: mallinfo2 in use before and after)"
vr_emu_stop_all 2>/dev/null
cleanup 2>/dev/null
[ "${VR_KEEP_TMP:-0}" = 1 ] || rm -rf --one-file-system "$W"
trap - EXIT
echo "resync_${MAXN}_ms=${last:-0}"
