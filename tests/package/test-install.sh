#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's source install, into a private DESTDIR: `make install` puts the plugin's .so (no
# libtool archive), virt-resmon and both man pages in place, and `make uninstall` removes every
# file it put there. The install hook removes virt_resctrl.la, through which libtool's uninstall
# finds the .so, so without an uninstall hook of its own the .so stayed in collectd's plugin
# directory. Needs no root and touches nothing outside the private directory.
set -eu
: "${VR_BUILDDIR:?}"
dest=$(mktemp -d "${TMPDIR:-/tmp}/vr-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
files() { (cd "$dest" && find . ! -type d | sed 's|^\.||' | sort); }
make -s -C "$VR_BUILDDIR" install DESTDIR="$dest" >"$dest.log" 2>&1 || { cat "$dest.log" >&2; rm -f "$dest.log"; fail "make install failed"; }
rm -f "$dest.log"
installed=$(files)
for want in '/virt_resctrl\.so$' '/bin/virt-resmon$' '/man5/collectd-virt_resctrl\.5$' '/man1/virt-resmon\.1$'; do
	echo "$installed" | grep -q "$want" || fail "make install put nothing matching $want: $(echo "$installed" | tr '\n' ' ')"
done
if echo "$installed" | grep '\.la$'; then fail "make install left a libtool archive"; fi
make -s -C "$VR_BUILDDIR" uninstall DESTDIR="$dest" >/dev/null 2>&1 || fail "make uninstall failed"
left=$(files)
[ -z "$left" ] || fail "make uninstall left: $(echo "$left" | tr '\n' ' ')"
echo "PASS: test-install ($(echo "$installed" | wc -l) files installed, none left after make uninstall)"
