#!/bin/bash
# SPDX-License-Identifier: MIT
# No flood from one domain's metadata (doc/design.md, "collectd interface"): whoever may edit a
# domain's metadata must not be able to fill the log. A problem is a domain and a class of what is
# wrong, never a label, so rejected groups that share a label, or a valid and a rejected group of
# one name, cannot make the warning state flip every pass. Real collectd (RefreshInterval 1), a
# private libvirtd with two QEMU guests, the resctrl emulator. Must hold:
#  1. g1's metadata holds 1,000 groups all named z, each with its own out-of-range vCPU, and two
#     groups named d: over at least six passes that look at g1 (each edit renames a marker group,
#     whose directory appearing is the pass event; full passes run every second besides), g1 gets
#     one log line and one WARNING per problem: one for the 1,000 (plugin_instance g1:(metadata),
#     with the count and the first names) and one for the duplicate (g1:d); nothing more;
#  2. g2's valid group keeps reporting throughout;
#  3. the metadata fixed: one OKAY per problem, to the instance its WARNING went to, and nothing
#     after it over more passes;
#  4. 70 groups against the default MaxGroupsPerDomain 64: the first 64 are taken, the other 6 are
#     rejected in one log line that names the key to raise, said once over more passes.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0 33554432
# g1: 70 possible vCPUs (1 online), so that 70 one-vCPU groups are valid ones.
lv_define_guest g1 70 1 "<resmon xmlns=\"$NS\"><group name=\"m0\" vcpus=\"0\"/></resmon>"
lv_define_guest g2 1 1 "<resmon xmlns=\"$NS\"><group name=\"ok\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
fault_collectd_start 1
wait_group_tasks g2 ok "$(vcpu_tids g2 0)" 20 || vr_fail "g2/ok tasks '$(group_tasks g2 ok)'"
until_true 20 has_group g1 m0 || vr_fail "g1/m0 was not made"
vr_log "g1/m0 and g2/ok made"

# flood_md MARKER: the hostile document, with a marker group on vCPU 0 named MARKER.
flood_md() {
	local i
	printf '<resmon xmlns="%s"><group name="%s" vcpus="0"/>' "$NS" "$1"
	printf '<group name="d" vcpus="1"/><group name="d" vcpus="2"/>'
	for i in $(seq 70 1069); do printf '<group name="z" vcpus="%d"/>' "$i"; done
	printf '</resmon>'
}
# passes FIRST LAST MAKE: for k in FIRST..LAST, set the document `MAKE m$k` and wait until the
# group m$k exists: a pass that looked at g1 after each edit.
passes() {
	local k
	for k in $(seq "$1" "$2"); do
		set_md g1 "$($3 "m$k")"
		until_true 30 has_group g1 "m$k" || vr_fail "g1/m$k was not made: no pass looked at g1 ($(tail -n 3 "$CD_LOG"))"
	done
}
# g1_lines: the plugin's own log lines about g1 (notifications are logged apart)
g1_lines() { grep -F 'virt_resctrl plugin: domain g1' "$CD_LOG" | grep -cv 'Notification:' || true; }
g1_notes() { grep -F 'Notification: severity = ' "$CD_LOG" | grep -F 'plugin = virt_resctrl, plugin_instance = g1:' | grep -c "severity = $1" || true; }

# 1. The flood document, then five more passes that look at g1.
lines0=$(g1_lines)
t0=$(date +%s)
passes 1 6 flood_md
g2_ok=$(csv_lines "$(csv_file g2:ok bytes-llc-0)")
lines=$(($(g1_lines) - lines0))
vr_log "six passes of g1 over $(($(date +%s) - t0)) s (full passes every second besides): $lines log line(s), $(g1_notes WARNING) WARNING(s), $(g1_notes OKAY) OKAY(s) for g1"
[ "$lines" = 2 ] || vr_fail "$lines log lines about g1, want 2 (one per problem): $(grep -F 'domain g1' "$CD_LOG" | grep -v Notification: | head -n 5)"
[ "$(g1_notes WARNING)" = 2 ] || vr_fail "$(g1_notes WARNING) WARNINGs for g1, want 2"
[ "$(g1_notes OKAY)" = 0 ] || vr_fail "$(g1_notes OKAY) OKAYs for g1 while nothing was fixed: $(grep -F 'plugin_instance = g1:' "$CD_LOG" | grep OKAY | head -n 3)"
[ "$(notes WARNING 'g1:(metadata)')" = 1 ] || vr_fail "no single WARNING for the 1,000 z groups under g1:(metadata)"
z_text=$(note_text WARNING 'g1:(metadata)')
case $z_text in
"domain g1: 1000 groups, invalid vCPU or iothread sets (z, z, z, z, z, ...): "*) ;;
*) vr_fail "the WARNING for the z groups reads '$z_text'" ;;
esac
[ "$(notes WARNING g1:d)" = 1 ] || vr_fail "$(notes WARNING g1:d) WARNINGs for the duplicate d, want 1"
case $(note_text WARNING g1:d) in
"domain g1 group d: duplicate group name") ;;
*) vr_fail "the WARNING for the duplicate reads '$(note_text WARNING g1:d)'" ;;
esac
vr_log "flood: '$z_text'"

# 2. g2 kept reporting.
all_grow 10 g2:ok || vr_fail "g2:ok stopped reporting during the flood"
g2_has_3() { [ "$(csv_lines "$(csv_file g2:ok bytes-llc-0)")" -ge 3 ]; }
until_true 30 g2_has_3 || vr_fail "g2:ok has $(csv_lines "$(csv_file g2:ok bytes-llc-0)") values after the flood (had $g2_ok when it ended), want 3 or more"

# 3. Fixed: one OKAY per problem, then silence.
fixed_md() { printf '<resmon xmlns="%s"><group name="%s" vcpus="0"/><group name="d" vcpus="1"/></resmon>' "$NS" "$1"; }
passes 7 7 fixed_md
until_true 10 note_at_least OKAY 'g1:(metadata)' 1 || vr_fail "no OKAY for g1:(metadata) once fixed"
until_true 10 note_at_least OKAY g1:d 1 || vr_fail "no OKAY for g1:d once fixed"
passes 8 10 fixed_md
[ "$(g1_notes OKAY)" = 2 ] || vr_fail "$(g1_notes OKAY) OKAYs for g1 after the fix, want 2"
[ "$(g1_notes WARNING)" = 2 ] || vr_fail "$(g1_notes WARNING) WARNINGs for g1 after the fix, want still 2"
[ "$(($(g1_lines) - lines0))" = 4 ] || vr_fail "$(($(g1_lines) - lines0)) log lines about g1 after the fix, want 4 (2 + 2 cleared)"
[ -z "$(warnings_raised | grep '^g1:' || true)" ] || vr_fail "g1 warnings left raised: $(warnings_raised | tr '\n' ' ')"
vr_log "fixed: '$(note_text OKAY 'g1:(metadata)')'"

# 4. 70 valid groups against the default MaxGroupsPerDomain 64.
capped_md() {
	local i
	printf '<resmon xmlns="%s"><group name="%s" vcpus="0"/>' "$NS" "$1"
	for i in $(seq 1 69); do printf '<group name="g%d" vcpus="%d"/>' "$i" "$i"; done
	printf '</resmon>'
}
passes 11 14 capped_md
cap_re='virt_resctrl plugin: domain g1 group (metadata): over MaxGroupsPerDomain 64: 6 of 70 groups not monitored; raise MaxGroupsPerDomain'
n_cap=$(grep -F "$cap_re" "$CD_LOG" | grep -cv 'Notification:' || true)
[ "$n_cap" = 1 ] || vr_fail "the cap was said $n_cap times over four passes, want once: $(grep -F MaxGroupsPerDomain "$CD_LOG" | head -n 3)"
grep -F "$cap_re" "$CD_LOG" | grep -qF '(left out: g64, g65, g66, g67, g68, ...)' ||
	vr_fail "the cap line does not name the first groups left out: $(grep -F "$cap_re" "$CD_LOG" | head -n 1)"
all_grow 10 g2:ok || vr_fail "g2:ok stopped reporting"
vr_log "cap: '$(grep -F "$cap_re" "$CD_LOG" | head -n 1 | sed 's/.*virt_resctrl plugin: //')'"
vr_alive "$COLLECTD_PID" || vr_fail "collectd died"
fault_clean_stop
echo "PASS: fault-flood ($(($(date +%s) - VR_T0))s)"
