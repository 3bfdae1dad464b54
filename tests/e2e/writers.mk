# writer test bed: carbon, InfluxDB (issue 6)
# test-writers-bed proves collectd -> csv, write_graphite -> carbon-cache, network -> InfluxDB and the
# threshold plugin with stock plugins, on loopback, with private daemons (tests/support/carbon.sh,
# tests/support/influxdb.sh).
TESTS += tests/e2e/test-writers-bed.sh
EXTRA_DIST += tests/e2e/test-writers-bed.sh \
	tests/support/carbon.sh tests/support/influxdb.sh
