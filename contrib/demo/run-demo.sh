#!/usr/bin/env bash
# The virt_resctrl demo, on a fresh Debian 12 machine as root, in one command:
#
#   sudo contrib/demo/run-demo.sh [SECONDS]
#
# Installs the Debian packages, builds the plugin, then runs it for real: a
# private libvirtd with two tiny QEMU guests carrying monitoring groups in
# their metadata, a real collectd loading virt_resctrl.so (csv and rrdtool
# writers), and the kernel's resctrl when this host has RDT monitoring
# mounted or mountable, else the project's FUSE emulator of it (whose values
# the demo varies over time, so the graph shows something). Prints values as
# they arrive for SECONDS (default 60), draws a PNG of L3 occupancy per group
# and cache id with rrdtool, then stops and removes everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
out_png=${VR_DEMO_PNG:-$top/virt_resctrl-demo.png}

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "run-demo: run me as root (libvirtd, FUSE and resctrl need it)" >&2
  exit 1
fi

say "Installing Debian packages (tests/support/packages.txt)"
"$top/tests/support/install-deps" >/tmp/virt_resctrl-demo-apt.log 2>&1 ||
  { tail -20 /tmp/virt_resctrl-demo-apt.log; exit 1; }

say "Building"
build=$top/_build-demo
(cd "$top" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$build"
(cd "$build" && "$top/configure" >/dev/null &&
  make -j"$(nproc)" all tests/resctrl-emu/resctrl-emu >/dev/null)

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
lv_start
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
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$W/rrd"
</Plugin>
EOC
collectd_start "$W/collectd"

# The emulator's occupancy is constant unless told otherwise: give each
# group a different slowly varying load, as a noisy neighbour would.
drive_emulator() {
  local t=$1 i=0 dir group cache bytes
  for dir in "$resctrl"/mon_groups/vr_*; do
    [ -d "$dir" ] || continue
    group=mon_groups/${dir##*/}
    i=$((i + 1))
    for cache in 0 1; do
      bytes=$(( (i * 3 + cache * 2 + (t * (i + 1)) % 17) * 524288 ))
      echo "$group $cache llc_occupancy $bytes"
    done
  done >"$EMU_CTL"
}

say "Values as they arrive (domain:group  cache  bytes  % of L3), for ${seconds}s"
end=$(($(date +%s) + seconds))
t=0
while [ "$(date +%s)" -lt "$end" ]; do
  [ "$use_emu" = 1 ] && drive_emulator "$t"
  sleep 5
  t=$((t + 5))
  echo "-- +${t}s"
  for f in "$W"/csv/demo/virt_resctrl-*/bytes-llc-*; do
    [ -e "$f" ] || continue
    # After midnight a series has a file per day: show the newest only.
    newest=$(ls "${f%-????-??-??}"-????-??-?? | tail -n 1)
    [ "$f" = "$newest" ] || continue
    inst=${f%/*}; inst=${inst##*/virt_resctrl-}
    cache=${f##*/bytes-llc-}; cache=${cache%%-*}
    bytes=$(tail -1 "$f" | cut -d, -f2)
    pf=${f/bytes-llc-/percent-llc-}
    pct=$( [ -e "$pf" ] && tail -1 "$pf" | cut -d, -f2 || echo -)
    printf '  %-24s L3 %-3s %14.0f B  %6.2f %%\n' "$inst" "$cache" "$bytes" "$pct"
  done
done

say "Drawing $out_png"
collectd_stop
args=() colors=(1f77b4 ff7f0e 2ca02c d62728 9467bd 8c564b) n=0
for rrd in "$W"/rrd/demo/virt_resctrl-*/bytes-llc-*.rrd; do
  [ -e "$rrd" ] || continue
  inst=${rrd%/*}; inst=${inst##*/virt_resctrl-}
  cache=${rrd##*/bytes-llc-}; cache=${cache%.rrd}
  # rrdtool's DEF takes ':' as a separator: escape it in the path.
  args+=("DEF:v$n=${rrd//:/\\:}:value:AVERAGE"
    "CDEF:m$n=v$n,1048576,/"
    "LINE2:m$n#${colors[$((n % ${#colors[@]}))]}:${inst//:/\\:} L3 $cache")
  n=$((n + 1))
done
[ "$n" -gt 0 ] || vr_fail "no occupancy series were written"
rrdtool graph "$out_png" --start "now-$((seconds + 10))s" --end now \
  --width 900 --height 360 --title "L3 occupancy per VM group and cache id (virt_resctrl)" \
  --vertical-label "MiB" "${args[@]}" >/dev/null
say "Done: $n series. The graph is at $out_png"
