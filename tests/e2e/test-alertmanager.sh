#!/bin/bash
# SPDX-License-Identifier: MIT
# Fleet alerting end to end (doc/prometheus.md): a real collectd loads the built virt_resctrl.so
# against a private libvirtd running one QEMU guest whose name holds a ':' ("tenant:g1", groups
# db and vcpus_1) and the resctrl emulator (one 32 MiB L3, cache id 0); collectd's write_prometheus
# serves the values on loopback; a real Prometheus scrapes it every second and evaluates the shipped
# contrib/prometheus/virt_resctrl-rules.yml every second, with only its `for:` durations rewritten
# to 5s (the expressions are the shipped ones); Debian's Alertmanager (no cluster listener,
# group_wait and group_interval 1 s) notifies a webhook receiver on loopback. Asserts:
# - nothing is notified while every group is under the cache-hog limit (50 % of an L3);
# - db set to 62.5 % of the L3 (through the emulator's control channel): a firing
#   VirtResctrlCacheHog notification arrives, no sooner than the 5 s of `for:` after the value
#   went over, with the labels domain="tenant:g1" (split at the last ':'), group="db", cache="0"
#   and collectd's instance, and the summary naming them;
# - db back at 12.5 %: the same alert arrives resolved;
# - no other alert is ever notified, although the host context's "host" (93.75 %) and "vms"
#   (68.75 %) are over the limit as long as db is.
# It runs in the -Werror build only: it checks the rules and the daemons between collectd and the
# receiver, none of which the ASan build's plugin changes (that build runs test-prometheus.sh).
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"
. "$VR_SRCDIR/tests/support/prometheus.sh"
. "$VR_SRCDIR/tests/support/alertmanager.sh"

if ldd "$(collectd_plugin_so)" | grep -q libasan; then
	echo "# the ASan build: this test runs in the -Werror build (the rules and the alerting daemons do not depend on the plugin's build)"
	exit 0
fi
rules=$VR_SRCDIR/contrib/prometheus/virt_resctrl-rules.yml
[ -f "$rules" ] || vr_fail "$rules is missing"
[ -f "$COLLECTD_STOCK_PLUGINDIR/write_prometheus.so" ] || vr_fail "collectd's write_prometheus.so is missing (collectd-core)"

chain_setup
# The test's copy of the rules: every `for:` at 5s, nothing else changed.
test_rules=$VR_TMP/virt_resctrl-rules.yml
sed -E 's/^( *for: *)[0-9]+[smhdwy]+ *$/\15s/' "$rules" >"$test_rules"
n_alerts=$(grep -c '^ *- alert: ' "$rules")
changed=$(diff "$rules" "$test_rules" | grep -c '^>' || true)
unexpected=$(diff "$rules" "$test_rules" | grep '^>' | grep -Ev '^> +for: 5s$' || true)
if [ "$changed" != "$n_alerts" ] || [ -n "$unexpected" ]; then
	vr_fail "the test copy of the rules changed $changed lines for $n_alerts alerts: $(diff "$rules" "$test_rules")"
fi

# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
L3=33554432
MiB=1048576
chain_emu_start 0 "$L3"
dom=tenant:g1
lv_define_guest "$dom" 2 2 "<resmon xmlns=\"$NS\"><group name=\"db\" vcpus=\"0\"/><group vcpus=\"1\"/></resmon>"
lv_start_guest "$dom"
u=$(dom_uuid "$dom")
db=mon_groups/vr_${u}_db

wp_port=$(vr_free_port tcp)
cd_dir=$VR_TMP/collectd
collectd_conf -p -i 1 "$cd_dir" <<EOF
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$wp_port"
</Plugin>
$(chain_plugin_block '  RefreshInterval 1')
EOF
collectd_start "$cd_dir"
want_groups=$(printf '%s\n' "$db" "mon_groups/vr_${u}_vcpus_1" | sort)
groups_as_wanted() { [ "$(our_groups)" = "$want_groups" ]; }
until_true 30 groups_as_wanted || vr_fail "groups in the emulator: '$(our_groups | tr '\n' ' ')'"
# Under the limit to begin with: db 4 MiB (12.5 %), vcpus_1 2 MiB, the root's own RMID 8 MiB.
emu_ctl "$db 0 llc_occupancy $((4 * MiB))" "mon_groups/vr_${u}_vcpus_1 0 llc_occupancy $((2 * MiB))" \
	". 0 llc_occupancy $((8 * MiB))"

webhook_start "$VR_TMP/webhook"
alertmanager_start "$VR_TMP/alertmanager" "$WEBHOOK_URL"
PROM_RULES=$test_rules PROM_ALERTMANAGER=127.0.0.1:$AM_PORT prometheus_start "$VR_TMP/prometheus" "127.0.0.1:$wp_port"
prom_wait_value 60 "collectd_virt_resctrl_percent{virt_resctrl=\"$dom:db\", type=\"llc-0\"}" 12.5 ||
	vr_fail "prometheus does not have db at 12.5 % of L3 0"
prom_wait_value 30 'count(collectd_virt_resctrl_percent{virt_resctrl=~"host|vms", type="llc-0"} > 0)' 2 ||
	vr_fail "prometheus lacks the host context's percents"
n_rules=$(prom_api rules | "$VR_PYTHON" -c 'import json, sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["groups"]))')
[ "$n_rules" = "$n_alerts" ] || vr_fail "prometheus loaded $n_rules rules, want $n_alerts"
vr_log "prometheus has the values and the $n_rules rules"

# check_posts STATUS SECONDS: waits until the receiver holds a notification of STATUS for db's
# cache-hog alert; fails on any notification of another alert or group. Prints the seconds it
# waited.
check_posts() {
	"$VR_PYTHON" - "$WEBHOOK_OUT" "$1" "$2" "$dom" "$COLLECTD_HOST" <<'PY'
import json, sys, time
posts, status, secs, dom, host = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
want = {"alertname": "VirtResctrlCacheHog", "severity": "warning", "instance": host, "job": "collectd",
        "type": "llc-0", "virt_resctrl": dom + ":db", "domain": dom, "group": "db", "cache": "0"}
t0 = time.monotonic()
while True:
    with open(posts) as f:
        notes = [json.loads(line) for line in f]
    for n in notes:
        for a in n["alerts"]:
            if a["labels"] != want:
                sys.exit("FAIL: notified %s, want only %s" % (a["labels"], want))
    found = [n for n in notes if n["status"] == status and any(a["status"] == status for a in n["alerts"])]
    if found:
        a = found[0]["alerts"][0]
        print("%.1f" % (time.monotonic() - t0))
        print("ok: %s %s %s" % (status, json.dumps(a["labels"], sort_keys=True), a["annotations"].get("summary")), file=sys.stderr)
        if status == "firing" and a["annotations"].get("summary") != \
                "VM %s group db holds 62.5 %% of L3 cache 0 on %s" % (dom, host):
            sys.exit("FAIL: summary %r" % a["annotations"].get("summary"))
        sys.exit(0)
    if time.monotonic() - t0 > secs:
        sys.exit("FAIL: no %s notification of db's cache-hog alert within %g s; got %s" % (status, secs, notes))
    time.sleep(0.1)
PY
}

# Under the limit: a few evaluations of the rules (they run every second) notify nothing.
prom_wait_value 30 'count(count_over_time(collectd_virt_resctrl_percent{type="llc-0"}[10s]) >= 5)' 4 ||
	vr_fail "prometheus does not hold 5 s of the 4 llc-0 percents"
[ ! -s "$WEBHOOK_OUT" ] || vr_fail "notified while every group is under the limit: $(cat "$WEBHOOK_OUT")"
pending=$(prom_api query query='count(ALERTS) or vector(0)')
case $pending in *'"value": ['*', "0"]'*) ;; *) vr_fail "alerts while every group is under the limit: $pending" ;; esac

# db over the limit: 20 MiB = 62.5 % of the L3; host = 30 MiB (93.75 %), vms = 22 MiB (68.75 %).
t_over=${EPOCHREALTIME/./}
emu_ctl "$db 0 llc_occupancy $((20 * MiB))"
check_posts firing 60 >/dev/null || vr_fail "see above"
fire_s=$(((${EPOCHREALTIME/./} - t_over) / 1000))
[ "$fire_s" -ge 5000 ] || vr_fail "fired ${fire_s} ms after db went over: sooner than for: 5s"
vr_log "firing notified $fire_s ms after db went over 50 % (for: 5s)"

t_under=${EPOCHREALTIME/./}
emu_ctl "$db 0 llc_occupancy $((4 * MiB))"
check_posts resolved 60 >/dev/null || vr_fail "see above"
resolve_s=$(((${EPOCHREALTIME/./} - t_under) / 1000))
vr_log "resolved notified $resolve_s ms after db went back under 50 %"
vr_log "notifications: $(wc -l <"$WEBHOOK_OUT"), all of db's cache-hog alert"

prometheus_stop
alertmanager_stop
webhook_stop
chain_stop_clean
# write_prometheus of collectd 5.12 hands libmicrohttpd its logger after other options, which
# libmicrohttpd (0.9.71 on) reports through that very logger at error level; nothing fails.
collectd_no_errors "$cd_dir/collectd.log" 'write_prometheus plugin: MHD_OPTION_EXTERNAL_LOGGER is not the first option'
echo "PASS: test-alertmanager"
