#!/bin/bash
# SPDX-License-Identifier: MIT
# peer-libvirt.sh: libvirt's own resctrl monitor read (virResctrlMonitorGetStats, what its QEMU
# driver runs for a <cachetune><monitor> on virDomainGetStats) beside the plugin's read path, in
# one run, on one tmpfs laid out as resctrl is: per-value cost of each (alternating samples in one
# process, bench/bench_libvirt.c) and system calls per value file read (strace -c -f over C and 2C
# passes of each side alone; the difference is C passes with set-up cancelled out).
#
#   sudo bench/peer-libvirt.sh [BUILDDIR]      # BUILDDIR: a configured build (default _build)
#   VR_PEER_SIZES="64 256 1024" (default)      # numbers of groups
#
# Not part of `make bench`: it links libvirt's private, version-tied symbols (LIBVIRT_PRIVATE_9.0.0
# on Debian 12). libvirt reads only /sys/fs/resctrl, so the script re-runs itself in a private
# mount namespace and mounts the tmpfs there; the host's /sys/fs is not touched.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${VR_PEER_SIZES:-"64 256 1024"}
SC_CYCLES=4

if [ "${VR_PEER_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "peer-libvirt.sh: run as root (mount namespace, mounts)" >&2; exit 1; }
	command -v strace >/dev/null || { echo "peer-libvirt.sh: strace is missing (apt-get install strace)" >&2; exit 1; }
	build=$(cd "${1:-$top/_build}" && pwd) ||
		{ echo "peer-libvirt.sh: no build directory ${1:-$top/_build}: configure one first" >&2; exit 1; }
	make -C "$build" -s bench/vr-bench-libvirt bench/vr-bench-read >&2
	echo "libvirt $(pkg-config --modversion libvirt), $(nproc) CPUs, $(uname -r)"
	exec unshare -m --propagation private env VR_PEER_INSIDE=1 VR_PEER_BUILD="$build" "$0"
fi

# In the private mount namespace: a tmpfs over /sys/fs (a plain directory in sysfs cannot be
# made), resctrl's mount point in it, and the tree on a tmpfs there.
lv_bin=$VR_PEER_BUILD/bench/vr-bench-libvirt
read_bin=$VR_PEER_BUILD/bench/vr-bench-read
W=$(mktemp -d /tmp/vr-peer.XXXXXX)
trap 'rm -rf "$W"' EXIT
mount -t tmpfs -o size=1m vr-peer-sysfs /sys/fs
mkdir /sys/fs/resctrl
mount -t tmpfs -o size=256m vr-peer /sys/fs/resctrl
T=/sys/fs/resctrl
. "$top/bench/resctrl-tree.sh"
bench_resctrl_tree "$T"
# L3 sizes for our percent values: two caches, ids 0 and 1.
for c in 0 1; do
	d=$W/sys/devices/system/cpu/cpu$c/cache/index3
	mkdir -p "$d"
	echo 3 >"$d/level"
	echo "$c" >"$d/id"
	echo 32768K >"$d/size"
done
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
"$read_bin" setup "$T" "$max" --files
"$lv_bin" setup "$max"
"$lv_bin" probe

# calls FILE: all system calls strace -c counted (its "total" line).
calls() { awk '$NF == "total" { print ($4 ~ /^[0-9]+$/) ? $4 : $3 }' "$1"; }
# per_value N SIDE [CALLS]: system calls per value file of one pass of SIDE.
per_value() {
	local n=$1
	shift
	strace -f -c -o "$W/sc.1" "$lv_bin" run "$W/sys" "$n" --cycles "$SC_CYCLES" --only "$@" >/dev/null
	strace -f -c -o "$W/sc.2" "$lv_bin" run "$W/sys" "$n" --cycles $((2 * SC_CYCLES)) --only "$@" >/dev/null
	awk -v a="$(calls "$W/sc.1")" -v b="$(calls "$W/sc.2")" -v c="$SC_CYCLES" -v f="$((n * 6))" \
		'BEGIN { printf "%.2f", (b - a) / (c * f) }'
}
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

printf '%6s %6s %8s %10s %7s %10s %7s %8s %8s %8s\n' N values ours_ns libvirt1_ns ratio1 \
	libvirt2_ns ratio2 ours_sc libvirt1_sc libvirt2_sc
for n in $SIZES; do
	one=$("$lv_bin" run "$W/sys" "$n" --calls 1)
	two=$("$lv_bin" run "$W/sys" "$n" --calls 2)
	printf '%6d %6d %8s %10s %7s %10s %7s %8s %8s %8s\n' "$n" "$(field "$one" files)" \
		"$(field "$one" ours_ns_per_value)" "$(field "$one" libvirt_ns_per_value)" "$(field "$one" ratio)" \
		"$(field "$two" libvirt_ns_per_value)" "$(field "$two" ratio)" \
		"$(per_value "$n" ours)" "$(per_value "$n" libvirt --calls 1)" "$(per_value "$n" libvirt --calls 2)"
done
echo "(values: value files read per pass, N groups x 2 cache ids x 3 features; *_ns: median pass /" \
	"values, in ns, ours and libvirt's samples alternating in one process; ratio: libvirt / ours;" \
	"*_sc: system calls per value file (strace -c -f, passes of $SC_CYCLES and $((2 * SC_CYCLES))" \
	"differenced); libvirt1: one virResctrlMonitorGetStats per group with the three features;" \
	"libvirt2: two per group, as its QEMU driver reads a <cachetune> and <memorytune> monitor;" \
	"ours includes dispatching 8 values per group to collectd's counting stand-in)"
