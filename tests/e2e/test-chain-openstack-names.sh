#!/bin/bash
# SPDX-License-Identifier: MIT
# OpenStack names (doc/design.md, "collectd interface"): one real collectd with collectd's own
# `virt` plugin and the built virt_resctrl.so, a private libvirtd with QEMU guests carrying
# Nova-style metadata, the resctrl emulator. Asserts: with Red Hat's documented virt settings
# (HostnameFormat name uuid hostname, PluginInstanceFormat metadata) in both plugins, each VM
# group's series lands in the host directory of the virt plugin's series for that VM, with
# plugin_instance "<virt's plugin_instance>:<group>"; a live edit of the Nova name (virsh metadata
# --live) renames the series within 10 s (RefreshInterval is 60 s: the event path); two VMs under
# one Nova name, when the host does not tell them apart, take their UUIDs, said in one log line,
# and both get their names back when the clash ends; HostnameMetadataNS .../nova/1.1 (current Nova)
# reads the 1.1 element.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

[ -f "$COLLECTD_STOCK_PLUGINDIR/virt.so" ] || vr_fail "$COLLECTD_STOCK_PLUGINDIR/virt.so is missing (collectd-core)"
NOVA10=http://openstack.org/xmlns/libvirt/nova/1.0
NOVA11=http://openstack.org/xmlns/libvirt/nova/1.1
# nova NS NAME: a Nova instance element as Nova writes it (a prefix, elements in its namespace).
nova() { echo "<nova:instance xmlns:nova=\"$1\"><nova:name>$2</nova:name><nova:flavor name=\"m1.tiny\"/></nova:instance>"; }
resmon() { echo "<resmon xmlns=\"$NS\"><group name=\"$1\" vcpus=\"0\"/></resmon>"; }
# set_nova NAME DISPLAY: a live edit of the 1.0 element (virsh puts it in the namespace, prefix nova)
set_nova() { lv_virsh metadata "$1" --uri "$NOVA10" --key nova --set "<instance><name>$2</name><flavor name=\"m1.tiny\"/></instance>" --live >/dev/null; }

chain_setup
chain_emu_start 0 33554432
lv_define_guest g1 1 1 "$(resmon a)$(nova "$NOVA10" web-1)"
lv_define_guest g2 1 1 "$(resmon b)$(nova "$NOVA10" twin)$(nova "$NOVA11" db-1)"
lv_define_guest g3 1 1 "$(resmon c)$(nova "$NOVA10" twin)"
for g in g1 g2 g3; do lv_start_guest $g; done
u1=$(dom_uuid g1) u2=$(dom_uuid g2) u3=$(dom_uuid g3)
vr_log "guests g1 ($u1) g2 ($u2) g3 ($u3) running"

# phase N VIRT_LINES OURS_LINES: a collectd under $VR_TMP/cdN with csv, virt and ours; sets cd_dir,
# CSV_DIR, log.
phase() {
	cd_dir=$VR_TMP/cd$1
	CSV_DIR=$cd_dir/csv
	collectd_conf -p -i 1 "$cd_dir" <<CONF
LoadPlugin csv
LoadPlugin virt
<Plugin csv>
  DataDir "$CSV_DIR"
  StoreRates false
</Plugin>
<Plugin virt>
  Connection "$LV_URI"
  RefreshInterval 60
$2
</Plugin>
$(chain_plugin_block "  RefreshInterval 60
$3")
CONF
	collectd_start "$cd_dir"
	log=$cd_dir/collectd.log
}
# ours HOST INSTANCE: our bytes-llc-0 series there holds a value
ours() { [ "$(csv_lines "$CSV_DIR/$1/virt_resctrl-$2/bytes-llc-0")" -ge 1 ]; }
# virt_dir HOST INSTANCE: the virt plugin wrote a series there
virt_dir() { [ -n "$(find "$CSV_DIR/$1/virt-$2" -type f 2>/dev/null | head -n 1)" ]; }
tree() { (cd "$CSV_DIR" && find . -mindepth 2 -maxdepth 2 -type d | sort | tr '\n' ' '); }
# grows HOST INSTANCE: our series there gains two lines within 5 s
grows() {
	local f=$CSV_DIR/$1/virt_resctrl-$2/bytes-llc-0
	until_true 5 lines_at_least "$f" $(($(csv_lines "$f") + 2))
}

# 1. Red Hat's settings in both plugins, several values for virt and one string for ours.
phase 1 '  HostnameFormat name uuid hostname
  PluginInstanceFormat metadata' '  HostnameFormat "name uuid hostname"
  PluginInstanceFormat "metadata"'
h1="g1:$u1:$COLLECTD_HOST" h2="g2:$u2:$COLLECTD_HOST" h3="g3:$u3:$COLLECTD_HOST"
until_true 15 virt_dir "$h1" web-1 || vr_fail "virt wrote nothing under $h1/virt-web-1: $(tree)"
until_true 15 ours "$h1" web-1:a || vr_fail "no virt_resctrl-web-1:a beside virt-web-1 under $h1: $(tree)"
# The host tells g2 and g3 apart: one Nova name is no clash.
until_true 10 ours "$h2" twin:b || vr_fail "no twin:b under $h2: $(tree)"
until_true 10 ours "$h3" twin:c || vr_fail "no twin:c under $h3: $(tree)"
virt_dir "$h2" twin || vr_fail "virt wrote nothing under $h2/virt-twin: $(tree)"
vr_log "Red Hat's settings: virt_resctrl-web-1:a beside virt-web-1 under $h1"

t0=$(date +%s.%N)
set_nova g1 web-2
until_true 10 ours "$h1" web-2:a || vr_fail "the Nova rename did not reach virt_resctrl within 10 s: $(tree)"
t_rename=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "# Nova rename -> first value under the new name: ${t_rename}s"
# While the new name gains two values, the old one gains at most the one that was in flight.
n_old=$(csv_lines "$CSV_DIR/$h1/virt_resctrl-web-1:a/bytes-llc-0")
grows "$h1" web-2:a || vr_fail "web-2:a does not go on"
[ "$(csv_lines "$CSV_DIR/$h1/virt_resctrl-web-1:a/bytes-llc-0")" -le $((n_old + 1)) ] || vr_fail "web-1:a still reports after the rename"
until_true 10 virt_dir "$h1" web-2 || vr_fail "virt did not follow the rename: $(tree)"
collectd_no_errors "$log"
chain_stop_clean

# 2. One host for all (HostnameFormat hostname): g2 and g3 under "twin" clash.
phase 2 '' '  PluginInstanceFormat metadata'
h=$COLLECTD_HOST
until_true 15 ours "$h" "$u2:b" || vr_fail "the clash did not give g2 its UUID: $(tree)"
until_true 10 ours "$h" "$u3:c" || vr_fail "the clash did not give g3 its UUID: $(tree)"
until_true 10 ours "$h" web-2:a || vr_fail "no web-2:a: $(tree)"
if [ -d "$CSV_DIR/$h/virt_resctrl-twin:b" ] || [ -d "$CSV_DIR/$h/virt_resctrl-twin:c" ]; then
	vr_fail "a clashing name was used: $(tree)"
fi
n=$(grep -c 'virt_resctrl plugin: domains g2, g3 would share' "$log" || true)
[ "$n" = 1 ] || vr_fail "the clash was said $n times, want once: $(grep 'would share' "$log" || true)"
set_nova g3 solo
until_true 10 ours "$h" solo:c || vr_fail "g3's rename did not end its UUID name: $(tree)"
until_true 10 ours "$h" twin:b || vr_fail "the clash ended, g2 did not get its name back within 10 s: $(tree)"
vr_log "clash: g2/g3 by UUID, said once; after g3's rename twin:b and solo:c"
collectd_no_errors "$log"
chain_stop_clean

# 3. Current Nova's namespace: g2's 1.1 element names it; g1 and g3 have none (UUID, said once each).
phase 3 '' '  PluginInstanceFormat metadata
  HostnameMetadataNS "'"$NOVA11"'"'
until_true 15 ours "$h" db-1:b || vr_fail "HostnameMetadataNS $NOVA11: no db-1:b: $(tree)"
until_true 10 ours "$h" "$u1:a" || vr_fail "g1 without a 1.1 element is not under its UUID: $(tree)"
collectd_no_errors "$log"
chain_stop_clean
no_sanitizer_report "$cd_dir/collectd.stdout"
echo "PASS: test-chain-openstack-names ($(($(date +%s) - VR_T0))s)"
