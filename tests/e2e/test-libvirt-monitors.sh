#!/bin/bash
# SPDX-License-Identifier: MIT
# libvirt's own monitors, read-only (doc/design.md, "libvirt's own monitors"): a real collectd with
# the built plugin, a private libvirtd with real QEMU guests, the resctrl emulator. libvirtd
# refuses <cachetune> on TCG guests, so lv-resctrl-harness makes guest l1's monitor groups through
# libvirt's own resctrl functions, exactly as the QEMU driver would for <cachetune
# vcpus='0-1'><monitor vcpus='0-1'/> and <cachetune vcpus='2'><monitor vcpus='2'/>:
# mon_groups/qemu-<id>-l1-vcpus_0-1 and ...-vcpus_2, holding those vCPU threads (in a mount
# namespace where /sys/fs/resctrl is the emulator: libvirt's path is fixed). l1's metadata asks for
# group "db" = vCPU 2 (exactly libvirt's vcpus_2) and "part" = vCPU 0 (part of libvirt's
# vcpus_0-1); l2 has a group of ours. Asserts: libvirt's vcpus_0-1 is reported as l1:vcpus_0-1 and
# vcpus_2 as l1:db, with the exact values injected through the emulator; "part" is a conflict and
# gets no group; l2's group runs; libvirt's groups keep their tasks and inode through resyncs, a
# metadata change (db dropped: vcpus_2 is then reported under libvirt's id) and shutdown, which
# removes only ours; their values carry the meta data owner=libvirt (write_log's JSON), ours none.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

HARNESS=$VR_BUILDDIR/tests/integration/lv-resctrl-harness
[ -x "$HARNESS" ] || vr_fail "$HARNESS is not built (make check builds it)"
command -v unshare >/dev/null || vr_fail "unshare is missing (apt-get install util-linux)"

chain_setup
chain_emu_start 0 33554432

lv_define_guest l1 3 3 "<resmon xmlns=\"$NS\"><group name=\"db\" vcpus=\"2\"/><group name=\"part\" vcpus=\"0\"/></resmon>"
lv_define_guest l2 1 1 "<resmon xmlns=\"$NS\"><group vcpus=\"0\"/></resmon>"
lv_start_guest l1
lv_start_guest l2
id1=$(lv_virsh domid l1 | tr -d ' \n')

# lv_monitor VCPUS TID...: the harness in a private mount namespace, /sys/fs/resctrl = the emulator
# (a tmpfs on /sys/fs there gives the mount point; the host's /sys/fs is untouched). Prints the
# group's path relative to the root.
lv_monitor() {
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /sys/fs &&
		mkdir /sys/fs/resctrl && mount --bind "$1" /sys/fs/resctrl && shift && exec "$@"' \
		sh "$EMU_MNT" "$HARNESS" monitor "$id1" l1 "$@"
}
# shellcheck disable=SC2046 # one argument per thread id
m01=$(lv_monitor 0-1 $(vcpu_tids l1 0 1)) || vr_fail "the harness could not make libvirt's vcpus_0-1"
# shellcheck disable=SC2046 # one argument per thread id
m2=$(lv_monitor 2 $(vcpu_tids l1 2)) || vr_fail "the harness could not make libvirt's vcpus_2"
[ "$m01" = "mon_groups/qemu-$id1-l1-vcpus_0-1" ] || vr_fail "libvirt named the group $m01"
[ "$m2" = "mon_groups/qemu-$id1-l1-vcpus_2" ] || vr_fail "libvirt named the group $m2"
tasks_of() { sort -n "$EMU_MNT/$1/tasks" | tr '\n' ' ' | sed 's/ $//'; }
inode_of() { stat -c %i "$EMU_MNT/$1"; }
[ "$(tasks_of "$m01")" = "$(vcpu_tids l1 0 1)" ] || vr_fail "$m01 holds $(tasks_of "$m01")"
before="$(tasks_of "$m01")|$(tasks_of "$m2")|$(inode_of "$m01")|$(inode_of "$m2")"
vr_log "libvirt's groups (harness): $m01 = $(tasks_of "$m01"), $m2 = $(tasks_of "$m2")"

cd_dir=$VR_TMP/collectd
CSV_DIR=$cd_dir/csv
collectd_conf -p -i 1 "$cd_dir" <<EOF2
LoadPlugin csv
<Plugin csv>
  DataDir "$CSV_DIR"
  StoreRates false
</Plugin>
LoadPlugin write_log
<Plugin write_log>
  Format JSON
</Plugin>
$(chain_plugin_block '  RefreshInterval 2')
EOF2
collectd_start "$cd_dir"
log=$cd_dir/collectd.log

# 1. Our group of l2 runs; l1 gets none: db reads libvirt's group, part conflicts.
wait_group_tasks l2 vcpus_0 "$(vcpu_tids l2 0)" 15 || vr_fail "l2 vcpus_0 tasks: '$(group_tasks l2 vcpus_0)'"
vr_wait_log "$log" 'domain l1 group part: .*conflict|domain l1 group part: .*MON group' 15 ||
	vr_fail "no conflict said for l1 part (partial overlap with libvirt's vcpus_0-1)"
no_group l1 part || vr_fail "a group of ours for l1 part: $(our_groups)"
no_group l1 db || vr_fail "a group of ours for l1 db, which should read libvirt's: $(our_groups)"

# 2. Exact values, each group its own (the emulator's control channel).
emu_ctl "$m01 0 llc_occupancy 1234560" "$m2 0 llc_occupancy 7654320" \
	"$(group_dir l2 vcpus_0) 0 llc_occupancy 424240"
csv_wait_value "$(csv_file l1:vcpus_0-1 bytes-llc-0)" 1234560 15 ||
	vr_fail "l1:vcpus_0-1 (libvirt's) reads $(csv_last "$(csv_file l1:vcpus_0-1 bytes-llc-0)")"
csv_wait_value "$(csv_file l1:db bytes-llc-0)" 7654320 10 ||
	vr_fail "l1:db (libvirt's vcpus_2) reads $(csv_last "$(csv_file l1:db bytes-llc-0)")"
csv_wait_value "$(csv_file l2:vcpus_0 bytes-llc-0)" 424240 10 ||
	vr_fail "l2:vcpus_0 (ours) reads $(csv_last "$(csv_file l2:vcpus_0 bytes-llc-0)")"
[ "$(csv_lines "$(csv_file l1:vcpus_2 bytes-llc-0)")" = 0 ] || vr_fail "libvirt's vcpus_2 reported twice (also as l1:vcpus_2)"
# The meta data says who owns the group (write_log's JSON carries it); ours say nothing.
json_has() { grep -F "\"plugin_instance\":\"$1\"" "$log" | grep -qF "$2"; }
for inst in l1:db l1:vcpus_0-1; do
	until_true 10 json_has "$inst" '"owner":"libvirt"' || vr_fail "no meta data owner=libvirt on $inst"
done
json_has l2:vcpus_0 '"domain":"l2"' || vr_fail "write_log shows no meta data for l2:vcpus_0"
! json_has l2:vcpus_0 '"owner"' || vr_fail "our own group l2:vcpus_0 carries an owner"

# 3. Read-only: after three resyncs (RefreshInterval 2) libvirt's groups have the same tasks and
# the same inode (never written, never made again).
sleep 7
now="$(tasks_of "$m01")|$(tasks_of "$m2")|$(inode_of "$m01")|$(inode_of "$m2")"
[ "$now" = "$before" ] || vr_fail "libvirt's groups changed: before $before, now $now"

# 4. Without "db" in the metadata, libvirt's vcpus_2 is reported under its own id: the same
# directory, read under a new name.
set_md l1 '<resmon><group name="part" vcpus="0"/></resmon>'
csv_wait_value "$(csv_file l1:vcpus_2 bytes-llc-0)" 7654320 15 ||
	vr_fail "l1:vcpus_2 (libvirt's, no longer read as db) reads $(csv_last "$(csv_file l1:vcpus_2 bytes-llc-0)")"
now="$(tasks_of "$m01")|$(tasks_of "$m2")|$(inode_of "$m01")|$(inode_of "$m2")"
[ "$now" = "$before" ] || vr_fail "libvirt's groups changed: before $before, now $now"
collectd_no_errors "$log"
chain_stop_clean
now="$(tasks_of "$m01")|$(tasks_of "$m2")|$(inode_of "$m01")|$(inode_of "$m2")"
[ "$now" = "$before" ] || vr_fail "libvirt's groups changed at shutdown: before $before, now $now"
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-libvirt-monitors ($(($(date +%s) - VR_T0))s)"
