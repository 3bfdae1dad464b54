# SPDX-License-Identifier: MIT
# The Debian package (doc/design.md, "The Debian package"): debian/ builds
# collectd-virt-resctrl; tests/package/test-deb.sh builds, lints, installs,
# loads and purges it. It runs once from tests/run-all, not from make check
# (it builds its own copy and installs into the system, which two builds
# side by side would race).
EXTRA_DIST += tests/package/test-deb.sh \
	debian/changelog debian/control debian/copyright debian/docs \
	debian/rules debian/snippet-header debian/source/format
