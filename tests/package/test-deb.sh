#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian package (doc/design.md, "The Debian package"): built from a copy of this tree with
# `dpkg-buildpackage -us -uc -b` inside a network namespace with nothing but a downed loopback (so a
# build that reaches for the network fails) after the README's in-tree configure (the two README
# sections work in either order), linted with no error or warning, installed with
# `apt-get install ./...deb`, loaded by a real `collectd -T` from collectd's default plugin
# directory with the shipped snippet enabled, then purged: every path the package brought is gone
# again and dpkg knows nothing of it.
#
# Run by tests/run-all (once, not in both builds: it builds its own). Alone, as root:
#   tests/package/test-deb.sh          (VR_KEEP_TMP=1 keeps the build directory)
# It installs and purges collectd-virt-resctrl on this machine, so it refuses to start when that
# package is installed already; and it fails when the checkout changes while it runs (it checks
# that the build wrote nothing there), so do not edit or build in the checkout meanwhile.
set -eu
VR_SRCDIR=${VR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$VR_SRCDIR/tests/support/collectd-run.sh"

PKG=collectd-virt-resctrl
[ "$(id -u)" = 0 ] || vr_fail "run as root: the test installs and purges $PKG"
for tool in git dpkg-buildpackage dpkg-parsechangelog lintian apt-get unshare "$COLLECTD_BIN"; do
	command -v "$tool" >/dev/null ||
		vr_fail "$tool is missing: run tests/support/install-deps (dpkg-dev debhelper lintian fakeroot git)"
done
git -C "$VR_SRCDIR" rev-parse --git-dir >/dev/null 2>&1 ||
	vr_fail "$VR_SRCDIR is not a git checkout: the package is built from a copy of its files (git ls-files)"
if dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | grep -q '^.[^n]'; then
	vr_fail "$PKG is installed already; this test installs and purges it: apt-get purge $PKG first"
fi

vr_setup
version=$(dpkg-parsechangelog -l "$VR_SRCDIR/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
build=$VR_TMP/build
src=$build/virt-resctrl-$version
deb=$build/${PKG}_${version}_$arch.deb
changes=$build/virt-resctrl_${version}_$arch.changes

# 1. A copy of the tracked and the untracked-but-not-ignored files: the checkout's own build
# directories and autotools output stay out, and nothing is written into the checkout.
checkout_state() { git -C "$VR_SRCDIR" status --porcelain --ignored; }
state_before=$(checkout_state)
mkdir -p "$src"
(cd "$VR_SRCDIR" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$src"
[ -x "$src/debian/rules" ] || vr_fail "the copy has no executable debian/rules"

# The README's source build first, in the tree itself: its config.status made automake's
# configure refuse the package's out-of-tree build ("source directory already configured").
vr_log "autoreconf -fi && ./configure in $src, as the README's source build does"
(cd "$src" && autoreconf -fi && ./configure) >"$build/intree.log" 2>&1 ||
	vr_fail "the in-tree configure failed (see $build/intree.log)"
[ -f "$src/config.status" ] || vr_fail "no config.status after the in-tree configure"

# 2. Build, with no network at all (unshare -n: a new network namespace whose loopback is down).
vr_log "dpkg-buildpackage -us -uc -b in $src"
vr_show_log "$build/build.log"
(cd "$src" && DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=2} unshare -n dpkg-buildpackage -us -uc -b) \
	>"$build/build.log" 2>&1 || vr_fail "dpkg-buildpackage failed (see $build/build.log)"
[ -f "$deb" ] || vr_fail "no $deb after the build: $(ls "$build")"
[ "$(checkout_state)" = "$state_before" ] || vr_fail "the build changed the checkout $VR_SRCDIR: $(checkout_state | head -n 5)"
# dh_auto_test ran the unit tests (debian/rules): some ran, all passed.
unit_total=$(sed -n 's/^# TOTAL: *//p' "$build/build.log")
if [ "${unit_total:-0}" -eq 0 ] || ! grep -q "^# PASS: *$unit_total\$" "$build/build.log"; then
	vr_fail "the package build did not run and pass its unit tests: $(grep '^# [A-Z]*:' "$build/build.log" | tr '\n' ' ')"
fi
vr_log "built $(basename "$deb") ($(stat -c %s "$deb") bytes); the checkout is unchanged"

# 3. lintian over everything the build made (the .changes names both .debs and the .buildinfo).
lintian --fail-on error,warning --no-tag-display-limit "$changes" >"$build/lintian.log" 2>&1 || {
	cat "$build/lintian.log" >&2
	vr_fail "lintian found errors or warnings in $(basename "$changes")"
}
grep -E '^[EW]: ' "$build/lintian.log" && vr_fail "lintian printed errors or warnings"
vr_log "lintian: no error, no warning ($(grep -c '^[IPXO]: ' "$build/lintian.log" || true) other tags)"

# 4. What the package holds: the plugin in collectd's plugin directory, virt-resmon, both manual
# pages, the snippet, README, NEWS and the operator's pages of doc/ (debian/docs; the maintainers'
# development.md and design.md stay in the source); no libtool archive.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' | grep . | sort >"$build/contents"
plugindir=$("$COLLECTD_BIN" -h | awk '/Plugin directory/ { print $3 }')
[ "$plugindir" = /usr/lib/collectd ] || vr_fail "collectd's plugin directory is '$plugindir', not /usr/lib/collectd"
snippet=/etc/collectd/collectd.conf.d/virt_resctrl.conf
for f in "$plugindir/virt_resctrl.so" /usr/bin/virt-resmon /usr/share/man/man5/collectd-virt_resctrl.5.gz \
	/usr/share/man/man1/virt-resmon.1.gz "$snippet" /usr/share/doc/$PKG/README.md.gz \
	/usr/share/doc/$PKG/NEWS.gz /usr/share/doc/$PKG/copyright; do
	grep -qxF "$f" "$build/contents" || vr_fail "$f is not in the package: $(tr '\n' ' ' <"$build/contents")"
done
# dh_compress gzips the larger pages and leaves small ones as they are: either is installed.
for page in operator-guide kernels reliability performance fleet; do
	f=/usr/share/doc/$PKG/$page.md
	grep -qxE "$f(\.gz)?" "$build/contents" || vr_fail "$f is not in the package: $(tr '\n' ' ' <"$build/contents")"
done
grep -q '\.la$' "$build/contents" && vr_fail "the package holds a libtool archive: $(grep '\.la$' "$build/contents")"

# The README's source install writes its snippet elsewhere than the package's conffile: a file of
# the operator's at the conffile's path stops apt-get install at dpkg's conffile prompt.
readme_snippet=$(sed -n 's|^ *cp collectd.conf.example \(/etc/collectd/[^ ]*\)$|\1|p' "$VR_SRCDIR/README.md")
[ -n "$readme_snippet" ] || vr_fail "README.md has no 'cp collectd.conf.example /etc/collectd/...' line"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles >"$build/conffiles"
grep -qxF "$snippet" "$build/conffiles" || vr_fail "$snippet is not a conffile of the package: $(cat "$build/conffiles")"
[ "$readme_snippet" != "$snippet" ] || vr_fail "the README's source install writes the package's conffile $snippet"

# 5. Install. Before: which of the package's paths exist, and what is under collectd's directories,
# to compare with after the purge.
# A source install done before, as the README writes it: the package installs beside it, with no
# prompt (stdin is closed: a prompt would fail the install).
if [ ! -e "$readme_snippet" ]; then
	mkdir -p "$(dirname "$readme_snippet")"
	vr_on_cleanup "rm -f '$readme_snippet'"
	cp "$VR_SRCDIR/collectd.conf.example" "$readme_snippet"
fi
snapshot() { find /etc/collectd /usr/lib/collectd 2>/dev/null | sort; }
while read -r p; do if [ -e "$p" ]; then echo "$p"; fi; done <"$build/contents" >"$build/existed"
snapshot >"$build/snapshot.before"
vr_on_cleanup "dpkg -s $PKG >/dev/null 2>&1 && apt-get purge -y -q -o DPkg::Lock::Timeout=300 $PKG >/dev/null 2>&1"
apt-get install -y -q -o DPkg::Lock::Timeout=300 "$deb" </dev/null >"$build/install.log" 2>&1 || {
	cat "$build/install.log" >&2
	vr_fail "apt-get install $deb failed"
}
dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" | grep -q '^ii' || vr_fail "$PKG is not installed after apt-get install"
vr_log "installed: $(dpkg-query -W -f='${Package} ${Version}' "$PKG")"
# As installed the snippet is only comments: installing changes nothing in a running collectd.
grep -v '^#' "$snippet" | grep -q . && vr_fail "$snippet has lines that are not comments: $(grep -v '^#' "$snippet" | head -n 3)"
/usr/bin/virt-resmon -c test:///default list test >"$build/resmon.out" 2>&1 ||
	vr_fail "the installed virt-resmon failed: $(cat "$build/resmon.out")"

# 6. collectd -T with the snippet enabled as its first lines say (no PluginDir: collectd's default),
# pointed at a test libvirt and an empty ResctrlPath so that nothing on this host is touched.
conf=$VR_TMP/collectd
mkdir -p "$conf/conf.d" "$conf/resctrl"
sed -e '/^#LoadPlugin virt_resctrl$/,/^#<\/Plugin>$/s/^#//' "$snippet" >"$conf/enabled.conf"
grep -qx 'LoadPlugin virt_resctrl' "$conf/enabled.conf" || vr_fail "the snippet's documented sed did not enable LoadPlugin"
sed -e 's|^\( *Connection\) .*|\1 "test:///default"|' -e "s|^\\( *ResctrlPath\\) .*|\\1 \"$conf/resctrl\"|" \
	"$conf/enabled.conf" >"$conf/conf.d/virt_resctrl.conf"
grep -q 'Connection "test:///default"' "$conf/conf.d/virt_resctrl.conf" ||
	vr_fail "no Connection line in the enabled block of $snippet"
cat >"$conf/collectd.conf" <<EOF
Hostname "$COLLECTD_HOST"
FQDNLookup false
BaseDir "$conf"
PIDFile "$conf/collectd.pid"
TypesDB "$COLLECTD_TYPESDB"
AutoLoadPlugin false
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$conf/collectd.log"
  PrintSeverity true
</Plugin>
<Include "$conf/conf.d">
  Filter "*.conf"
</Include>
EOF
# The check the snippet's header and the README give: the snippet alone, which needs no
# collectd.conf (collectd-core alone ships none).
rc=0
"$COLLECTD_BIN" -C "$conf/conf.d/virt_resctrl.conf" -T >"$conf/alone.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || vr_fail "collectd -C <snippet> -T exited $rc: $(tail -n 5 "$conf/alone.out")"
grep -q 'plugin "virt_resctrl" successfully loaded' "$conf/alone.out" ||
	vr_fail "collectd -C <snippet> -T did not load virt_resctrl: $(tail -n 5 "$conf/alone.out")"
collectd_test "$conf"
out=$conf/test.out
[ "$COLLECTD_T_RC" = 0 ] || vr_fail "collectd -T exited $COLLECTD_T_RC with the snippet enabled"
grep -q 'plugin "virt_resctrl" successfully loaded' "$out" || vr_fail "collectd did not load virt_resctrl from $plugindir"
grep -Eiq 'Parsing the config file failed|unknown config|configuration error' "$out" &&
	vr_fail "collectd complained about the snippet: $(grep -Ei 'config' "$out" | head -n 3)"
vr_log "collectd -T: $(grep -c 'virt_resctrl plugin' "$out" || true) plugin log lines, virt_resctrl loaded from $plugindir"

# 7. Purge: every path the package brought that did not exist before is gone, directories included;
# the ones that existed before are still there; dpkg keeps no state of the package.
apt-get purge -y -q -o DPkg::Lock::Timeout=300 "$PKG" >"$build/purge.log" 2>&1 || {
	cat "$build/purge.log" >&2
	vr_fail "apt-get purge $PKG failed"
}
left=$(while read -r p; do
	if [ -e "$p" ] && ! grep -qxF "$p" "$build/existed"; then echo "$p"; fi
	if [ ! -e "$p" ] && grep -qxF "$p" "$build/existed"; then echo "$p (existed before, now gone)"; fi
done <"$build/contents")
[ -z "$left" ] || vr_fail "after the purge: $(echo "$left" | tr '\n' ' ')"
snapshot >"$build/snapshot.after"
cmp -s "$build/snapshot.before" "$build/snapshot.after" ||
	vr_fail "/etc/collectd or /usr/lib/collectd differ from before the install: $(diff "$build/snapshot.before" "$build/snapshot.after" | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | grep -q '^.[^n]' && vr_fail "dpkg still knows $PKG after the purge"
ls /var/lib/dpkg/info/"$PKG".* >/dev/null 2>&1 && vr_fail "dpkg info files of $PKG are left: $(ls /var/lib/dpkg/info/"$PKG".*)"
vr_log "purged: $(wc -l <"$build/contents") paths checked, nothing left behind"
echo "PASS: test-deb"
