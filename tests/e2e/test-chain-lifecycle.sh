#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole chain, life-cycle side (doc/design.md, "Life cycle"): a real collectd with the built
# virt_resctrl.so and collectd's own `virt` plugin in the same daemon (they share libvirt's
# process-wide event loop), a private libvirtd with QEMU guests, the resctrl emulator.
# RefreshInterval is 60 s, so everything below within seconds comes from events, not from the
# periodic resync. Asserts: a live `virsh metadata --live` edit adds and removes groups within 10
# s, far inside RefreshInterval, so by the event path (it prints the event-to-values latency; `make
# bench` measures that latency side by side, as performance is measured here, not by a tight bound
# that a loaded machine breaks); a destroyed VM's groups disappear; a restarted VM's new threads
# are in its groups; a group removed behind the plugin's back is recreated; both plugins keep
# reporting; after collectd stops no group of ours remains, and a group that is not ours is left
# alone.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

[ -f "$COLLECTD_STOCK_PLUGINDIR/virt.so" ] || vr_fail "$COLLECTD_STOCK_PLUGINDIR/virt.so is missing (collectd-core)"
chain_setup
chain_emu_start 0 33554432
# Not ours (another tool's): must survive everything, shutdown included.
mkdir "$EMU_MNT/mon_groups/pqos_42"

lv_define_guest g1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0-1\"/></resmon>"
lv_define_guest g3 1 1 "<resmon xmlns=\"$NS\"><group name=\"x\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g3
vr_log "guests g1 ($(dom_uuid g1)) and g3 ($(dom_uuid g3)) running"

cd_dir=$VR_TMP/collectd
CSV_DIR=$cd_dir/csv
collectd_conf -p -i 1 "$cd_dir" <<EOF
LoadPlugin csv
LoadPlugin virt
<Plugin csv>
  DataDir "$CSV_DIR"
  StoreRates false
</Plugin>
<Plugin virt>
  Connection "$LV_URI"
  RefreshInterval 60
  HostnameFormat "hostname"
  PluginInstanceFormat "name"
  # Its own event loop thread on libvirt's default event implementation, as ours.
  PersistentNotification true
</Plugin>
$(chain_plugin_block '  RefreshInterval 60')
EOF
collectd_start "$cd_dir"
log=$cd_dir/collectd.log

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# grows FILE SECONDS: the file gains at least two lines within SECONDS
grows() {
	until_true "$2" lines_at_least "$1" $(($(csv_lines "$1") + 2))
}

# 0. Start-up: both groups with their threads, both plugins report.
wait_group_tasks g1 a "$(vcpu_tids g1 0 1)" 10 || vr_fail "g1 a tasks '$(group_tasks g1 a)', want '$(vcpu_tids g1 0 1)'"
wait_group_tasks g3 x "$(vcpu_tids g3 0)" 5 || vr_fail "g3 x tasks '$(group_tasks g3 x)', want '$(vcpu_tids g3 0)'"
until_true 10 has_value g1:a || vr_fail "csv: no value for g1:a"
# The virt plugin's csv series for g1 (file names less their -YYYY-MM-DD).
virt_files() { find "$CSV_DIR/$COLLECTD_HOST" -path '*/virt-g1/*' -type f | sed "s/-$CSV_DAY_GLOB\$//" | sort -u; }
virt_wrote() { [ -n "$(virt_files)" ]; }
until_true 10 virt_wrote || vr_fail "csv: the virt plugin wrote nothing for g1 ($(find "$CSV_DIR" -maxdepth 2 | tr '\n' ' '))"
vr_log "start-up: g1/a and g3/x with their threads; virt and virt_resctrl both write csv"

# 1. A live metadata edit adds a group: event -> group with its thread -> first value in csv.
t0=$(now)
set_md g1 '<resmon><group name="a" vcpus="0"/><group name="b" vcpus="1"/></resmon>'
until_true 10 has_group g1 b || vr_fail "the live edit did not create g1/b"
t_group=$(since "$t0")
until_true 10 has_value g1:b || vr_fail "no csv value for the new group g1:b"
t_value=$(since "$t0")
wait_group_tasks g1 b "$(vcpu_tids g1 1)" 2 || vr_fail "g1 b tasks '$(group_tasks g1 b)', want vCPU 1's '$(vcpu_tids g1 1)'"
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 2 || vr_fail "g1 a tasks '$(group_tasks g1 a)', want vCPU 0's '$(vcpu_tids g1 0)'"
echo "# event-to-values latency: virsh metadata --live -> group g1/b made ${t_group}s, first csv value ${t_value}s"
awk -v t="$t_value" 'BEGIN { exit !(t <= 10.0) }' || vr_fail "the new group's first value came ${t_value}s after the edit, want <= 10 s (the event path; the periodic pass is 60 s away)"

# 2. A live edit removes a group: its directory goes, vCPU 0's thread is back in no MON group.
t0=$(now)
set_md g1 '<resmon><group name="b" vcpus="1"/></resmon>'
until_true 10 no_group g1 a || vr_fail "the live edit did not remove g1/a"
t_gone=$(since "$t0")
awk -v t="$t_gone" 'BEGIN { exit !(t <= 10.0) }' || vr_fail "g1/a went ${t_gone}s after the edit, want <= 10 s (the event path; the periodic pass is 60 s away)"
if cat "$EMU_MNT"/mon_groups/*/tasks | grep -qx "$(vcpu_tids g1 0)"; then vr_fail "vCPU 0's thread is still in a MON group"; fi
n_a=$(csv_lines "$(csv_file g1:a bytes-llc-0)")
grows "$(csv_file g1:b bytes-llc-0)" 5 || vr_fail "csv: g1:b stopped"
[ "$(csv_lines "$(csv_file g1:a bytes-llc-0)")" -le $((n_a + 1)) ] || vr_fail "csv: the removed group g1:a still reports"
vr_log "live edit removed g1/a in ${t_gone}s; g1/b goes on"

# 3. A destroyed VM's groups disappear (lifecycle event).
t0=$(now)
lv_virsh destroy g3 >/dev/null
t_destroy=$(since "$t0")
t0=$(now)
until_true 5 no_group g3 x || vr_fail "g3 destroyed, its group x is still there"
vr_log "g3 destroyed (virsh destroy took ${t_destroy}s): its group went $(since "$t0")s after"

# 4. A restarted VM: new threads in its groups. The --live edits die with the old QEMU: the
# persistent definition (a = vCPUs 0-1) applies again, b goes.
old_tids=$(vcpu_tids g1 0 1)
lv_virsh destroy g1 >/dev/null
lv_start_guest g1
new_tids=$(vcpu_tids g1 0 1)
[ "$new_tids" != "$old_tids" ] || vr_fail "g1's restart kept thread ids $old_tids: nothing to test"
wait_group_tasks g1 a "$new_tids" 5 || vr_fail "after g1's restart, g1/a tasks '$(group_tasks g1 a)', want the new threads '$new_tids'"
until_true 5 no_group g1 b || vr_fail "after g1's restart, g1/b (a --live edit) is still there"
vr_log "g1 restarted: g1/a holds the new threads $new_tids, g1/b gone"

# 5. A group removed behind the plugin's back (another tool, a remount) is made again.
dir=$(group_dir g1 a)
rmdir "$EMU_MNT/$dir"
t0=$(now)
wait_group_tasks g1 a "$new_tids" 5 || vr_fail "g1/a removed by hand was not recreated with its threads (tasks '$(group_tasks g1 a)')"
vr_log "g1/a removed by hand: recreated with its threads in $(since "$t0")s"

# 6. Both plugins keep reporting, and a metadata edit still reaches ours.
grows "$(csv_file g1:a bytes-llc-0)" 5 || vr_fail "csv: virt_resctrl stopped reporting g1:a"
for f in $(virt_files); do
	grows "$f" 5 || vr_fail "csv: the virt plugin stopped writing $f"
	break
done
t0=$(now)
set_md g1 '<resmon><group name="c" vcpus="0-1"/></resmon>'
until_true 5 has_value g1:c || vr_fail "with virt loaded, a metadata edit did not reach virt_resctrl"
vr_log "virt and virt_resctrl both report; a later edit still arrived ($(since "$t0")s to the first value)"

# 7. Shutdown removes our groups and nothing else.
[ -n "$(our_groups)" ] || vr_fail "no group of ours before shutdown: nothing to test"
collectd_no_errors "$log"
chain_stop_clean
[ -d "$EMU_MNT/mon_groups/pqos_42" ] || vr_fail "shutdown removed mon_groups/pqos_42, which is not ours"
grep -q 'virt_resctrl plugin: removed [1-9][0-9]* resctrl group(s) at shutdown' "$log" || vr_fail "no shutdown line about removed groups"
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-chain-lifecycle ($(($(date +%s) - VR_T0))s)"
