#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The virt_resctrl demo, on a Debian 12 machine as root, in one command:
#
#   contrib/demo/run-demo.sh [SECONDS]
#
# Installs the Debian packages (without starting any service), builds the
# plugin, then runs it for real: a private libvirtd with two tiny QEMU guests
# carrying monitoring groups in their metadata, a real collectd loading
# virt_resctrl.so (csv and rrdtool writers), and the kernel's resctrl when
# this host has RDT monitoring mounted or mountable, else the project's FUSE
# emulator of it (whose values the demo varies over time, so the picture shows
# something). Prints values as they arrive for SECONDS (default 60), draws a
# picture of them (one panel per L3 cache id with each group's occupancy
# stacked against the cache's size, one of memory bandwidth per group in
# MiB/s), then stops and removes everything it started. Works whatever build
# the source tree already holds (see tests/support/vpath-srcdir).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
out_png=${VR_DEMO_PNG:-$top/virt_resctrl-demo.png}
t0=$(date +%s)

# say MSG: a step, with the time since the demo began.
say() {
  local s=$(($(date +%s) - t0))
  printf '\n== [%d:%02d] %s\n' $((s / 60)) $((s % 60)) "$*"
}

# quietly LOG CMD...: run CMD with its output in LOG, showing LOG's last line
# every 10 s so that a long install or build is not silent; on failure, the
# end of LOG and exit.
quietly() {
  local log=$1 pid n=0 rc=0 line
  shift
  "$@" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    n=$((n + 1))
    if [ $((n % 10)) = 0 ]; then
      line=$(tail -n 1 "$log" 2>/dev/null | cut -c1-70)
      printf '   ... %ds: %s\n' "$n" "$line"
    fi
  done
  wait "$pid" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 25 "$log" >&2
    echo "run-demo: failed (exit $rc); the whole output is in $log" >&2
    exit 1
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "run-demo: run me as root (su -, or sudo): libvirtd, FUSE and resctrl need it" >&2
  exit 1
fi

say "Installing Debian packages (tests/support/packages.txt), without starting services; log /tmp/virt_resctrl-demo-apt.log"
quietly /tmp/virt_resctrl-demo-apt.log "$top/tests/support/install-deps"
grep '^install-deps: disabled' /tmp/virt_resctrl-demo-apt.log || true

say "Building the plugin and the resctrl emulator in $top/_build-demo; log /tmp/virt_resctrl-demo-build.log"
build=$top/_build-demo
srcdir=$("$top/tests/support/vpath-srcdir" "$top")
# A build directory configured from another source directory (the tree was
# built in place since, or no longer is) starts afresh.
if [ "$(cat "$build/.vr-srcdir" 2>/dev/null)" != "$srcdir" ]; then rm -rf "$build"; fi
mkdir -p "$build"
echo "$srcdir" >"$build/.vr-srcdir"
demo_build() {
  if [ ! -x "$srcdir/configure" ] || [ "$srcdir/configure.ac" -nt "$srcdir/configure" ]; then
    (cd "$srcdir" && autoreconf -fi)
  fi
  cd "$build"
  [ -f Makefile ] || "$srcdir/configure"
  make -j"$(nproc)" src/virt_resctrl.la tests/resctrl-emu/resctrl-emu
}
quietly /tmp/virt_resctrl-demo-build.log demo_build

export VR_SRCDIR=$top VR_BUILDDIR=$build COLLECTD_HOST=demo
# shellcheck source=/dev/null
. "$top/tests/support/collectd-run.sh"
# shellcheck source=/dev/null
. "$top/tests/support/libvirtd-env.sh"
# shellcheck source=/dev/null
. "$top/tests/support/chain-lib.sh"
vr_setup
W=$VR_TMP

# Real resctrl when the CPU monitors L3 and the kernel has resctrl.
resctrl=$W/resctrl sysfs=$W/sys use_emu=0 mounted_here=0
if grep -q -w -m1 cqm_llc /proc/cpuinfo &&
  { [ -d /sys/fs/resctrl/info ] ||
    { mount -t resctrl resctrl /sys/fs/resctrl 2>/dev/null && mounted_here=1; }; }; then
  resctrl=/sys/fs/resctrl sysfs=/sys
  [ "$mounted_here" = 1 ] && vr_on_cleanup 'umount /sys/fs/resctrl'
  say "Using the kernel's resctrl at /sys/fs/resctrl (real RDT monitoring)"
else
  use_emu=1
  say "No RDT monitoring here: using the resctrl emulator (synthetic values)"
fi

say "Starting a private libvirtd and two guests"
lv_start || vr_fail "the private libvirtd did not start (the lines above say why)"
vr_on_cleanup lv_stop
# After lv_start: the FUSE mount must not be copied into libvirt's mount
# namespace. Two 32 MiB L3 caches, ids 0 and 1, on $W/resctrl and $W/sys.
[ "$use_emu" = 1 ] && chain_emu_start 0,1 33554432,33554432
lv_define_guest web 4 4 "<resmon xmlns='$NS'><group name='frontend' vcpus='0-1'/><group name='workers' vcpus='2-3'/></resmon>"
lv_define_guest db 2 2 "<resmon xmlns='$NS'><group name='db' vcpus='0-1'/></resmon>"
lv_start_guest web
lv_start_guest db

say "Starting collectd with virt_resctrl (Interval 1)"
collectd_conf -p "$W/collectd" <<EOC
<Plugin virt_resctrl>
  Connection "$LV_URI"
  ResctrlPath "$resctrl"
  SysfsPath "$sysfs"
  LibvirtRunPath "$LV_RUN_PATH"
  RefreshInterval 10
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$W/csv"
  StoreRates true
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$W/rrd"
</Plugin>
EOC
collectd_start "$W/collectd"

# The emulator's values are constant unless told otherwise: give each group a
# different, slowly varying occupancy and memory bandwidth, as guests with
# changing load would. The MBM files are running byte counters (the kernel's
# mbm_total_bytes/mbm_local_bytes), so the bandwidth is added up here, by the
# time since the last update, five times a second, in a process of its own:
# collectd's reads then see a steady rate whatever the pace of the printing.
declare -A mbm_total mbm_local
last_ms=
drive_emulator() {
  local t=$1 now_ms dt i=0 dir group cache bytes rate
  now_ms=$(date +%s%3N)
  dt=$((now_ms - ${last_ms:-$now_ms}))
  last_ms=$now_ms
  for dir in "$resctrl"/mon_groups/vr_*; do
    [ -d "$dir" ] || continue
    group=mon_groups/${dir##*/}
    i=$((i + 1))
    for cache in 0 1; do
      bytes=$(( (i * 3 + cache * 2 + (t / 5 * (i + 1)) % 17) * 524288 ))
      rate=$(( (i * 60 + cache * 25 + (t / 5 * (i + 2) * 13) % 90) * 1048576 )) # bytes/s
      mbm_total[$group.$cache]=$(( ${mbm_total[$group.$cache]:-0} + rate * dt / 1000 ))
      mbm_local[$group.$cache]=$(( ${mbm_local[$group.$cache]:-0} + rate * dt / 1000 * 3 / 4 ))
      echo "$group $cache llc_occupancy $bytes"
      echo "$group $cache mbm_total_bytes ${mbm_total[$group.$cache]}"
      echo "$group $cache mbm_local_bytes ${mbm_local[$group.$cache]}"
    done
  done >"$EMU_CTL"
}

# csv_now SERIES [N]: the mean of the last N (default 1) values of a csv series
# (its newest day file), or - when there is none.
csv_now() {
  local f
  f=$(ls "$1"-????-??-?? 2>/dev/null | tail -n 1)
  [ -n "$f" ] || { echo -; return; }
  tail -n "${2:-1}" "$f" | awk -F, '$2 != "nan" { s += $2; n++ } END { if (n) print s / n; else print "-" }'
}

# csv_pair BYTES PERCENT: "bytes percent" of the newest read that both series
# hold, or "- -". The csv plugin writes each series' file on its own, so
# their last lines can come from two reads, one on each side of a change
# (3.50 MiB beside the 14.06 % of 4.5 MiB). The two values of one read are
# stamped when dispatched, a few microseconds apart: a read is the pair less
# than half an interval (Interval 1) apart.
csv_pair() {
  local fb fp
  fb=$(ls "$1"-????-??-?? 2>/dev/null | tail -n 1)
  fp=$(ls "$2"-????-??-?? 2>/dev/null | tail -n 1)
  if [ -z "$fb" ] || [ -z "$fp" ]; then echo "- -"; return; fi
  awk -F, 'NR == FNR { if ($1 ~ /^[0-9]/) { pt[n] = $1; pv[n++] = $2 }; next }
    $1 ~ /^[0-9]/ { for (k = 0; k < n; k++) if (pt[k] - $1 < 0.5 && $1 - pt[k] < 0.5) { b = $2; q = pv[k] } }
    END { if (b != "") print b, q; else print "- -" }' <(tail -n 5 "$fp") <(tail -n 5 "$fb")
}

say "Values as collectd receives them, every 5 s for ${seconds}s (L3 occupancy per cache id; memory bandwidth, 5 s mean)"
start=$(date +%s)
next=$((start + 5))
if [ "$use_emu" = 1 ]; then
  while :; do
    drive_emulator $(($(date +%s) - start))
    sleep 0.2
  done &
  driver_pid=$!
  vr_on_cleanup 'vr_stop_pid "$driver_pid" emulator-driver 2'
fi
# Up to and including +SECONDS: the last block printed is the one promised.
while [ "$next" -le $((start + seconds)) ]; do
  sleep 0.5
  [ "$(date +%s)" -ge "$next" ] || continue
  echo "-- +$((next - start))s"
  next=$((next + 5))
  for d in "$W"/csv/demo/virt_resctrl-*; do
    [ -d "$d" ] || continue
    inst=${d##*/virt_resctrl-}
    for cache in $(ls "$d" | sed -n 's/^bytes-llc-\([0-9]*\)-.*/\1/p' | sort -un); do
      read -r b p < <(csv_pair "$d/bytes-llc-$cache" "$d/percent-llc-$cache")
      awk -v i="$inst" -v c="$cache" -v b="$b" -v p="$p" \
        -v bw="$(csv_now "$d/memory_bandwidth-total-$cache" 5)" \
        'BEGIN { printf "  %-14s L3 cache id %-2s %6.2f MiB %6.2f %% of it   bandwidth %7.1f MiB/s\n",
                 i, c, b / 1048576, p, bw / 1048576 }'
    done
  done
done
[ "$use_emu" = 1 ] && vr_stop_pid "$driver_pid" emulator-driver 2
collectd_stop

# l3_size_mib ID: the size of L3 cache id ID in MiB, from sysfs (as the plugin
# reads it: cpu*/cache/index*/ with level 3).
l3_size_mib() {
  local d
  for d in "$sysfs"/devices/system/cpu/cpu*/cache/index*; do
    [ "$(cat "$d/level" 2>/dev/null)" = 3 ] && [ "$(cat "$d/id" 2>/dev/null)" = "$1" ] || continue
    sed 's/K$/ 1024/; s/M$/ 1048576/' "$d/size" | awk '{ printf "%g\n", $1 * ($2 ? $2 : 1) / 1048576 }'
    return 0
  done
  echo 0
}

if [ "$use_emu" = 1 ]; then
  origin="synthetic values from the resctrl emulator, not measured" tag=" - synthetic (emulator)"
else
  origin="measured by the kernel's resctrl on $(hostname)" tag=
fi
say "Drawing $out_png"
colors=(1f77b4 ff7f0e 2ca02c d62728 9467bd 8c564b)
panels=()
caches=$(ls "$W"/rrd/demo/virt_resctrl-*/ 2>/dev/null | sed -n 's/^bytes-llc-\([0-9]*\)\.rrd$/\1/p' | sort -un)
[ -n "$caches" ] || vr_fail "no occupancy series were written"
common=(--start "now-$((seconds + 5))s" --end now --width 820 --height 190
  --lower-limit 0 --units-exponent 0 --watermark "virt_resctrl demo: $origin"
  --color BACK#ffffff --color SHADEA#ffffff --color SHADEB#ffffff)
# rrdtool's DEF takes ':' as a separator: escape it in paths and legends.
esc() { echo "${1//:/\\:}"; }
for cache in $caches; do
  size=$(l3_size_mib "$cache")
  args=() n=0
  # Groups only ("<domain>:<group>"): the host context's host and vms would stack twice.
  for rrd in "$W"/rrd/demo/virt_resctrl-*:*/bytes-llc-"$cache".rrd; do
    inst=${rrd%/*}; inst=${inst##*/virt_resctrl-}
    stack=; [ "$n" -gt 0 ] && stack=:STACK
    args+=("DEF:v$n=$(esc "$rrd"):value:AVERAGE" "CDEF:m$n=v$n,1048576,/"
      "AREA:m$n#${colors[$((n % ${#colors[@]}))]}:$(esc "$inst")$stack"
      "GPRINT:m$n:LAST:%5.1lf MiB\\l")
    n=$((n + 1))
  done
  rrdtool graph "$W/panel-llc-$cache.png" "${common[@]}" --upper-limit "$size" \
    --title "L3 cache id $cache ($size MiB): occupancy per VM group, stacked$tag" \
    --vertical-label "MiB of L3" "${args[@]}" \
    "HRULE:$size#000000:L3 cache id $cache size ($size MiB)\\l" >/dev/null
  panels+=("$W/panel-llc-$cache.png")
done
# Memory bandwidth per group: the total counter's rate (collectd's rrdtool
# stores the DERIVE as bytes/s), summed over the group's L3 cache ids.
args=() n=0
for d in "$W"/rrd/demo/virt_resctrl-*:*; do
  inst=${d##*/virt_resctrl-}
  sum=
  for cache in $caches; do
    [ -e "$d/memory_bandwidth-total-$cache.rrd" ] || continue
    args+=("DEF:b${n}_$cache=$(esc "$d/memory_bandwidth-total-$cache.rrd"):value:AVERAGE")
    sum=${sum:+$sum,}b${n}_$cache${sum:+,ADDNAN}
  done
  [ -n "$sum" ] || continue
  args+=("CDEF:w$n=$sum,1048576,/" "LINE2:w$n#${colors[$((n % ${#colors[@]}))]}:$(esc "$inst")"
    "GPRINT:w$n:LAST:%7.1lf MiB/s\\l")
  n=$((n + 1))
done
if [ "$n" -gt 0 ]; then
  rrdtool graph "$W/panel-mbm.png" "${common[@]}" \
    --title "Memory bandwidth per VM group (MBM total, all L3 cache ids)$tag" \
    --vertical-label "MiB/s" "${args[@]}" >/dev/null
  panels+=("$W/panel-mbm.png")
fi
# One picture, the panels one above the other (pycairo: libcairo is there for rrdtool already).
"$VR_PYTHON" - "$out_png" "${panels[@]}" <<'PY'
import sys
import cairo
out, paths = sys.argv[1], sys.argv[2:]
imgs = [cairo.ImageSurface.create_from_png(p) for p in paths]
pic = cairo.ImageSurface(cairo.FORMAT_RGB24, max(i.get_width() for i in imgs),
                         sum(i.get_height() for i in imgs))
ctx = cairo.Context(pic)
ctx.set_source_rgb(1, 1, 1)
ctx.paint()
y = 0
for i in imgs:
    ctx.set_source_surface(i, 0, y)
    ctx.paint()
    y += i.get_height()
pic.write_to_png(out)
PY
say "Done in $(( ($(date +%s) - t0) / 60 )) min $(( ($(date +%s) - t0) % 60 )) s. The picture is $out_png:"
echo "   one panel per L3 cache id ($(echo $caches | tr ' ' ',')): the L3 occupancy of each VM group,"
echo "   stacked, against the cache's size; then the memory bandwidth of each group in MiB/s."
echo "   Values: $origin."
