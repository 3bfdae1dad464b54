#!/bin/bash
# SPDX-License-Identifier: MIT
# The Prometheus alerting rules as shipped (contrib/prometheus/virt_resctrl-rules.yml, described in
# doc/prometheus.md): Prometheus's own promtool accepts the file (`check rules`: YAML, PromQL,
# templates) and its unit tests pass (`test rules` on virt_resctrl-rules.test.yml: input series
# labelled as write_prometheus labels them; each alert fires with the domain, group and cache
# labels where it should, never for the host context, and resolves). Every alert of the rules
# file has tests there, so an alert added without them fails here.
set -eu
: "${VR_SRCDIR:?}"
# vr_fail
. "$VR_SRCDIR/tests/support/collectd-run.sh"
dir=$VR_SRCDIR/contrib/prometheus
rules=$dir/virt_resctrl-rules.yml
tests=$dir/virt_resctrl-rules.test.yml
for f in "$rules" "$tests"; do [ -f "$f" ] || vr_fail "$f is missing"; done
command -v promtool >/dev/null || vr_fail "promtool is missing (apt-get install prometheus)"

promtool check rules "$rules" || vr_fail "promtool check rules $rules"
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\) *$/\1/p' "$rules")
[ -n "$alerts" ] || vr_fail "no alert in $rules"
for a in $alerts; do
	grep -q "^ *alertname: *$a *\$" "$tests" || vr_fail "alert $a has no test in $tests"
done
echo "ok: alerts $(echo "$alerts" | tr '\n' ' ')each have tests"
# promtool finds rule_files relative to the test file.
promtool test rules "$tests" || vr_fail "promtool test rules $tests"
echo "PASS: prometheus-rules"
