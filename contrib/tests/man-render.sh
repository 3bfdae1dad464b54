#!/bin/bash
# SPDX-License-Identifier: MIT
# Both man pages render without a groff warning, and the plugin's page covers
# every config key the plugin accepts (src/engine/vr_config.c) and every value type.
set -eu
: "${VR_SRCDIR:?}" "${VR_BUILDDIR:?}"
command -v groff >/dev/null || {
  echo "FAIL: groff missing: apt-get install groff-base" >&2
  exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vr-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# vr_fail
. "$VR_SRCDIR/tests/support/collectd-run.sh"

for page in doc/collectd-virt_resctrl.5 doc/virt-resmon.1; do
  src="$VR_SRCDIR/$page"
  [ -f "$src" ] || vr_fail "$page missing"
  groff -man -Tutf8 -ww -z "$src" 2>"$tmp/warnings" || vr_fail "groff failed on $page"
  [ ! -s "$tmp/warnings" ] || vr_fail "$page: $(cat "$tmp/warnings")"
  # What man(1) shows, for the content checks below (no hyphenation).
  groff -man -Tutf8 -rHY=0 -rLL=200n "$src" 2>/dev/null |
    sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g' >"$tmp/$(basename "$page").txt"
  [ -s "$tmp/$(basename "$page").txt" ] || vr_fail "$page renders empty"
  echo "ok: $page renders without warnings"
done

text="$tmp/collectd-virt_resctrl.5.txt"
keys=$(sed -n 's/.*strcasecmp(key, "\([A-Za-z]*\)").*/\1/p' "$VR_SRCDIR/src/engine/vr_config.c")
[ -n "$keys" ] || vr_fail "found no config keys in src/engine/vr_config.c"
for key in $keys; do
  grep -q "^ *$key " "$text" || vr_fail "collectd-virt_resctrl(5) does not describe $key"
done
echo "ok: every config key of src/engine/vr_config.c is described: $(echo $keys | wc -w) keys"
for word in 'bytes, type_instance llc-<cacheid>' 'percent, type_instance llc-<cacheid>' \
  'memory_bandwidth, type_instance total-<cacheid> and local-<cacheid>' \
  'plugin_instance' 'cache_id' 'ENOSPC' 'EBUSY' 'Conflict' 'Invalid metadata' 'OKAY' \
  'WarningMax' 'urn:x-virt-resctrl:resmon:1'; do
  grep -qF -- "$word" "$text" || vr_fail "collectd-virt_resctrl(5) lacks '$word'"
done
for word in 'list DOMAIN' '--vcpus LIST' '--live' '--config' '--uri-ns' '--version' 'EXIT STATUS' \
  'stats [DOMAIN]' '--resctrl PATH' '--prefix P' '--json' 'cpu.membandwidth'; do
  grep -qF -- "$word" "$tmp/virt-resmon.1.txt" || vr_fail "virt-resmon(1) lacks '$word'"
done
echo "PASS"
