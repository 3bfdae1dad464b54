#!/bin/sh
# SPDX-License-Identifier: MIT
# The built virt_resctrl.so loads into a real collectd (collectd-core), the <Plugin virt_resctrl>
# block of collectd.conf.example is accepted, and a bad key or value fails `collectd -T` with a message
# naming it. Also: the .so exports module_register only, and a ResctrlPath that is not a resctrl mount
# does not fail init (doc/design.md, "Life cycle": the plugin says what to do and checks again later).
set -eu
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
vr_setup

# 1. Nothing but module_register leaves the .so (collectd looks up that one symbol).
so=$(collectd_plugin_so)
syms=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort | tr '\n' ' ')
[ "$syms" = "module_register " ] || vr_fail "$so exports '$syms', want only module_register"
vr_log "exports: $syms"

# 2. The plugin block of collectd.conf.example, taken as written (uncommented), nested blocks included.
example=$VR_SRCDIR/collectd.conf.example
[ -f "$example" ] || vr_fail "$example is missing (it carries the <Plugin virt_resctrl> block)"
awk '
	!on && /^[ \t]*<Plugin[ \t]+"?virt_resctrl"?[ \t]*>/ { on = 1 }
	on {
		print
		if ($0 ~ /^[ \t]*<\//) depth--
		else if ($0 ~ /^[ \t]*</) depth++
		if (depth == 0) exit
	}
' "$example" >"$VR_TMP/block"
[ -s "$VR_TMP/block" ] || vr_fail "no uncommented <Plugin virt_resctrl> block in $example"
tail -n 1 "$VR_TMP/block" | grep -q '^[[:space:]]*</Plugin>' || vr_fail "unterminated <Plugin virt_resctrl> block in $example"
vr_log "example block: $(tr -s ' \n' ' ' <"$VR_TMP/block")"
# The keys the block sets, as an ERE alternation (RefreshInterval|Connection|...).
KEYS_RE=$(sed '1d;$d' "$VR_TMP/block" | awk '$1 !~ /^[<#]/ && NF { print $1 }' | sort -u | paste -sd '|' -)
KEYS_RE=${KEYS_RE:-NoKeyInTheBlock}

# block_with SED_SCRIPT: the example block edited by SED_SCRIPT (applied to its inner lines).
block_with() {
	sed "1!{\$!{$1}}" "$VR_TMP/block"
}

# insert_key LINE: the example block with LINE added before its closing </Plugin>.
insert_key() {
	sed "\$i\\
  $1" "$VR_TMP/block"
}

# run_t NAME < config-blocks (a file, not a pipe: a pipe runs it in a subshell): collectd -T with the plugin loaded; sets COLLECTD_T_RC, OUT.
run_t() {
	collectd_conf -i 1 -p "$VR_TMP/$1"
	collectd_test "$VR_TMP/$1"
	OUT=$VR_TMP/$1/test.out
	vr_log "$1: collectd -T exit $COLLECTD_T_RC"
}

# accepted NAME: the plugin loaded, the config parsed, init/read/shutdown did not fail.
accepted() {
	grep -q 'plugin "virt_resctrl" successfully loaded' "$OUT" ||
		vr_fail "$1: virt_resctrl did not load: $(grep -i 'virt_resctrl\|error' "$OUT" | head -n 5)"
	! grep -q 'Parsing the config file failed' "$OUT" || vr_fail "$1: collectd says the config failed to parse"
	# An error about the configuration: one that says "config" or names a key of the block. (Other
	# errors, e.g. no libvirtd behind qemu:///system on a build machine, are the daemon's business.)
	if grep -Ei '\[error\].*virt_resctrl' "$OUT" | grep -Ei "config|$KEYS_RE" >"$VR_TMP/$1.errors"; then
		vr_fail "$1: virt_resctrl logged config errors: $(cat "$VR_TMP/$1.errors")"
	fi
	[ "$COLLECTD_T_RC" -eq 0 ] || vr_fail "$1: collectd -T exited $COLLECTD_T_RC, want 0 (see $OUT)"
}

# rejected NAME WORD: collectd -T failed on the config, and the output names WORD.
rejected() {
	[ "$COLLECTD_T_RC" -ne 0 ] || vr_fail "$1: collectd -T exited 0, want a failure"
	grep -q 'plugin "virt_resctrl" successfully loaded' "$OUT" ||
		vr_fail "$1: virt_resctrl did not even load, so the failure proves nothing"
	grep -q -- "$2" "$OUT" || vr_fail "$1: nothing in collectd's output names '$2': $(grep -i 'virt_resctrl\|error' "$OUT" | head -n 5)"
}

run_t example <"$VR_TMP/block"
accepted example

# 3. A ResctrlPath that is an empty directory (no resctrl mounted there), with libvirt's in-process
#    test driver so that only the resctrl state differs: init must not fail.
mkdir "$VR_TMP/not-resctrl"
block_with "/^[[:space:]]*ResctrlPath[[:space:]]/d; /^[[:space:]]*Connection[[:space:]]/d" >"$VR_TMP/base"
sed "\$i\\
  Connection \"test:///default\"\\
  ResctrlPath \"$VR_TMP/not-resctrl\"" "$VR_TMP/base" >"$VR_TMP/conf"
run_t not-resctrl <"$VR_TMP/conf"
accepted not-resctrl
# ... and says what to do about it (doc/design.md, "Life cycle": how to mount resctrl).
grep -i 'virt_resctrl' "$OUT" | grep -q 'mount' ||
	vr_fail "not-resctrl: no virt_resctrl line says how to mount resctrl at $VR_TMP/not-resctrl"

# 3b. The hint is logged by init itself (doc/design.md, "Life cycle"), not by the worker (which
#     `collectd -T` may stop before its first pass). A libvirt URI whose socket does not exist makes
#     init log its own connection failure synchronously: the mount hint must come before that line,
#     so it cannot have come from the worker, which starts after the connection attempt.
sed "\$i\\
  Connection \"qemu+unix:///system?socket=$VR_TMP/no-such-libvirt-sock\"\\
  ResctrlPath \"$VR_TMP/not-resctrl\"" "$VR_TMP/base" >"$VR_TMP/conf"
run_t not-resctrl-sync <"$VR_TMP/conf"
hint_at=$(grep -n 'virt_resctrl' "$OUT" | grep 'mount' | head -n 1 | cut -d: -f1)
conn_at=$(grep -n 'virt_resctrl plugin: cannot connect to' "$OUT" | head -n 1 | cut -d: -f1)
[ -n "$conn_at" ] || vr_fail "not-resctrl-sync: init logged no libvirt connection failure: $(grep virt_resctrl "$OUT" | head -n 5)"
[ -n "$hint_at" ] || vr_fail "not-resctrl-sync: no mount hint at all under collectd -T: $(grep virt_resctrl "$OUT" | head -n 5)"
[ "$hint_at" -lt "$conn_at" ] ||
	vr_fail "not-resctrl-sync: the mount hint (line $hint_at) came after init's libvirt line ($conn_at): it was not logged in init"
vr_log "not-resctrl-sync: mount hint at line $hint_at, before libvirt's failure at line $conn_at"

# 4. An unknown key and an invalid value each fail, naming the key.
insert_key 'NoSuchKey 1' >"$VR_TMP/conf"
run_t unknown-key <"$VR_TMP/conf"
rejected unknown-key NoSuchKey
block_with "/^[[:space:]]*RefreshInterval[[:space:]]/d" | sed "\$i\\
  RefreshInterval -5" >"$VR_TMP/conf"
run_t bad-value <"$VR_TMP/conf"
rejected bad-value RefreshInterval

echo "PASS: test-plugin-load"
