# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: dash and bash have it
# prometheus.sh: a private Prometheus server (Debian's `prometheus`) on loopback for a test, scraping
# collectd's write_prometheus. Source it after collectd-run.sh (it uses vr_free_port, vr_on_cleanup,
# vr_stop_pid, vr_alive, vr_check_comm):
#
#   prometheus_start DIR TARGET [SECONDS]  # config and TSDB under DIR; HTTP on 127.0.0.1:PROM_PORT (a
#                                 # free port); scrapes TARGET (host:port) every second as job
#                                 # "collectd" with honor_labels (collectd's `instance` label, its
#                                 # Hostname, is kept instead of being renamed exported_instance);
#                                 # waits for /-/ready; sets PROM_PID; registers prometheus_stop.
#                                 # With PROM_RULES=FILE it loads those rules (evaluated every
#                                 # second), with PROM_ALERTMANAGER=HOST:PORT it sends the alerts
#                                 # there (tests/support/alertmanager.sh)
#   prometheus_stop               # SIGTERM, wait, SIGKILL
#   prom_api PATH [ARG=VALUE...]  # GET /api/v1/PATH with the arguments URL-encoded; prints the JSON
#                                 # answer's "data"; fails (1) unless its status is "success"
#   prom_wait_value SECONDS QUERY VALUE  # until the instant QUERY gives one sample whose value is VALUE
#                                 # (as Prometheus prints it); on timeout says what it got, returns 1
#
# collectd then needs: LoadPlugin write_prometheus, <Plugin write_prometheus> Host "127.0.0.1"
# Port "<TARGET's port>" </Plugin>. It exposes collectd_<plugin>_<type>[_total for derive] with
# labels <plugin>=plugin_instance, type=type_instance, instance=host, and collectd's own timestamps.

PROMETHEUS_BIN=${PROMETHEUS_BIN:-/usr/bin/prometheus}
PROM_PID=

prometheus_start() {
	local dir="$1" target="$2" secs="${3:-30}"
	[ -x "$PROMETHEUS_BIN" ] || vr_fail "$PROMETHEUS_BIN is missing (apt-get install prometheus, under a policy-rc.d that answers 101)"
	mkdir -p "$dir/data"
	PROM_PORT=$(vr_free_port tcp)
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: collectd
    honor_labels: true
    static_configs:
      - targets: ['$target']
EOF
	if [ -n "${PROM_RULES:-}" ]; then
		printf "rule_files:\n  - '%s'\n" "$PROM_RULES" >>"$dir/prometheus.yml"
	fi
	if [ -n "${PROM_ALERTMANAGER:-}" ]; then
		printf "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['%s']\n" \
			"$PROM_ALERTMANAGER" >>"$dir/prometheus.yml"
	fi
	vr_show_log "$dir/prometheus.out"
	"$PROMETHEUS_BIN" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$dir/prometheus.out" 2>&1 &
	PROM_PID=$!
	vr_on_cleanup prometheus_stop
	vr_wait_ready prometheus "$PROM_PID" "$secs" vr_http_ok "http://127.0.0.1:$PROM_PORT/-/ready"
	vr_check_comm "$PROM_PID" prometheus
	vr_log "prometheus pid $PROM_PID on 127.0.0.1:$PROM_PORT, scraping $target"
}

prometheus_stop() {
	vr_stop_pid "$PROM_PID" prometheus 10
	PROM_PID=
}

prom_api() {
	"$VR_PYTHON" - "$PROM_PORT" api "$@" <<PY
$PROM_PY
PY
}

prom_wait_value() {
	"$VR_PYTHON" - "$PROM_PORT" wait "$@" <<PY
$PROM_PY
PY
}

# The program behind prom_api and prom_wait_value (one process polls: a shell loop starting python
# every 50 ms would spend its time starting python).
PROM_PY='
import json, sys, time, urllib.error, urllib.parse, urllib.request

def api(port, path, args):
    query = urllib.parse.urlencode([tuple(a.split("=", 1)) for a in args])
    # No proxy: the server is on loopback, whatever http_proxy says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open("http://127.0.0.1:%s/api/v1/%s?%s" % (port, path, query), timeout=10) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        answer = json.load(e)
    if answer.get("status") != "success":
        raise RuntimeError("prometheus: %s: %s" % (answer.get("errorType"), answer.get("error")))
    return answer["data"]

def scalar(data):
    r = data["result"]
    return r[0]["value"][1] if len(r) == 1 else None

port, mode = sys.argv[1], sys.argv[2]
if mode == "api":
    try:
        json.dump(api(port, sys.argv[3], sys.argv[4:]), sys.stdout)
    except RuntimeError as e:
        sys.exit(str(e))
else:
    secs, query, want = float(sys.argv[3]), sys.argv[4], sys.argv[5]
    deadline, got = time.monotonic() + secs, None
    while time.monotonic() < deadline:
        try:
            got = scalar(api(port, "query", ["query=" + query]))
        except (RuntimeError, OSError) as e:
            got = str(e)
        if got is not None and got == want:
            sys.exit(0)
        time.sleep(0.2)
    sys.exit("%s: %s after %g s, want %s" % (query, got, secs, want))
'
