# SPDX-License-Identifier: MIT
# The Debian package (doc/design.md, "The Debian package"): debian/ builds
# collectd-virt-resctrl; tests/package/test-deb.sh builds, lints, installs,
# loads and purges it. It runs once from tests/run-all, not from make check
# (it builds its own copy and installs into the system, which two builds
# side by side would race).
EXTRA_DIST += tests/package/test-deb.sh \
	debian/changelog debian/control debian/copyright debian/docs \
	debian/rules debian/snippet-header debian/source/format

# make install and make uninstall into a private DESTDIR: nothing left behind
TESTS += tests/package/test-install.sh
check_SCRIPTS += tests/package/test-install.sh
EXTRA_DIST += tests/package/test-install.sh
