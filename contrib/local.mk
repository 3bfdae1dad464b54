# SPDX-License-Identifier: MIT
# contrib tools: virt-resmon, its man page and the plugin's, the
# Barometer snippet, the Grafana dashboards, the Prometheus alerting rules,
# the demo script, and their tests.
bin_PROGRAMS += contrib/virt-resmon
contrib_virt_resmon_SOURCES = contrib/virt-resmon.c contrib/virt-resmon.h \
	contrib/virt-resmon-edit.c contrib/virt-resmon-stats.c
contrib_virt_resmon_CPPFLAGS = $(AM_CPPFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS) \
	-DVR_VERSION='"$(PACKAGE_VERSION)"'
# libvrcore is a static convenience library: only the objects virt-resmon
# calls are pulled in (metadata, cpuset, names, the resctrl reader), and
# they need no collectd symbols.
contrib_virt_resmon_LDADD = src/libvrcore.la

dist_man_MANS += doc/collectd-virt_resctrl.5 doc/virt-resmon.1

EXTRA_DIST += contrib/barometer/virt_resctrl.conf contrib/demo/run-demo.sh \
	contrib/grafana/virt_resctrl-influxdb.json contrib/grafana/virt_resctrl-prometheus.json \
	contrib/grafana/virt_resctrl-fleet.json contrib/grafana/virt_resctrl-fleet-influxdb.json \
	contrib/tests/virt-resmon-live.sh contrib/tests/man-render.sh \
	contrib/tests/contrib-files.sh contrib/tests/virt-resmon-stats.sh \
	contrib/tests/resmon-lib.sh

# Prometheus alerting rules (doc/prometheus.md): promtool checks them and runs
# their unit tests.
EXTRA_DIST += contrib/prometheus/virt_resctrl-rules.yml \
	contrib/prometheus/virt_resctrl-rules.test.yml contrib/tests/prometheus-rules.sh
TESTS += contrib/tests/prometheus-rules.sh
check_SCRIPTS += contrib/tests/prometheus-rules.sh

TESTS += contrib/tests/man-render.sh contrib/tests/contrib-files.sh \
	contrib/tests/virt-resmon-live.sh contrib/tests/virt-resmon-stats.sh
check_SCRIPTS += contrib/tests/man-render.sh contrib/tests/contrib-files.sh \
	contrib/tests/virt-resmon-live.sh contrib/tests/virt-resmon-stats.sh
