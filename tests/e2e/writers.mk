# SPDX-License-Identifier: MIT
# writer test bed: carbon, InfluxDB (doc/design.md, "collectd interface")
# test-writers-bed proves collectd -> csv, write_graphite -> carbon-cache, network -> InfluxDB and the
# threshold plugin with stock plugins, on loopback, with private daemons (tests/support/carbon.sh,
# tests/support/influxdb.sh).
TESTS += tests/e2e/test-writers-bed.sh
EXTRA_DIST += tests/e2e/test-writers-bed.sh \
	tests/support/carbon.sh tests/support/influxdb.sh
# Prometheus (doc/design.md, "collectd interface"): write_prometheus scraped by a private Prometheus
# server; its HTTP API gives every series with its labels, rate() the injected bytes/s, and every
# PromQL expression of contrib/grafana/virt_resctrl-prometheus.json returns what it should
# (tests/support/prometheus.sh).
TESTS += tests/e2e/test-prometheus.sh
EXTRA_DIST += tests/e2e/test-prometheus.sh tests/support/prometheus.sh
# Fleet alerting (doc/prometheus.md): the shipped Prometheus rules, evaluated by a real Prometheus
# scraping write_prometheus, fire and resolve the cache-hog alert through Debian's Alertmanager to
# a webhook receiver on loopback (tests/support/alertmanager.sh, webhook-receiver.py).
TESTS += tests/e2e/test-alertmanager.sh
EXTRA_DIST += tests/e2e/test-alertmanager.sh tests/support/alertmanager.sh \
	tests/support/webhook-receiver.py
# A fleet (doc/fleet.md): three collectd hosts send, signed, through the network plugin to one central
# collectd (csv, write_prometheus scraped by Prometheus, InfluxDB); every query of
# contrib/grafana/virt_resctrl-fleet.json and virt_resctrl-fleet-influxdb.json returns what it
# should; prints the measured bytes per value, CPU per 1,000 values/s and delay.
TESTS += tests/e2e/test-fleet.sh
EXTRA_DIST += tests/e2e/test-fleet.sh tests/support/prom_api.py
