# collectd daemon tests (issues 3, 6)
# Shell tests that run a real collectd (tests/support/collectd-run.sh) with the built plugin.
TESTS += tests/e2e/test-plugin-load.sh
EXTRA_DIST += tests/e2e/test-plugin-load.sh \
	tests/support/collectd-run.sh
