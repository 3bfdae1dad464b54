# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: dash and bash have it
# alertmanager.sh: a private Alertmanager (Debian's `prometheus-alertmanager`) on loopback, sending
# every notification to a webhook receiver of the test's (tests/support/webhook-receiver.py).
# Source it after collectd-run.sh (vr_free_port, vr_on_cleanup, vr_stop_pid, vr_alive,
# vr_check_comm, vr_wait_file):
#
#   webhook_start DIR             # the receiver: appends each POST body to WEBHOOK_OUT (DIR/posts,
#                                 # one JSON line each); sets WEBHOOK_PID, WEBHOOK_URL; registers
#                                 # webhook_stop
#   alertmanager_start DIR URL    # config and storage under DIR; HTTP on 127.0.0.1:AM_PORT (a free
#                                 # port), no cluster listener (--cluster.listen-address= empty:
#                                 # no gossip port on any address); one route grouping by alertname,
#                                 # instance, domain and group, group_wait and group_interval 1 s,
#                                 # to the webhook URL with send_resolved; waits for /-/ready; sets
#                                 # AM_PID; registers alertmanager_stop
#   alertmanager_stop / webhook_stop   # by pid: SIGTERM, wait, SIGKILL
#
# Give Prometheus PROM_ALERTMANAGER=127.0.0.1:$AM_PORT (tests/support/prometheus.sh).

ALERTMANAGER_BIN=${ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}
AM_PID=
WEBHOOK_PID=

webhook_start() {
	local dir="$1"
	mkdir -p "$dir"
	WEBHOOK_OUT=$dir/posts
	: >"$WEBHOOK_OUT"
	vr_show_log "$dir/receiver.log"
	"$VR_PYTHON" "${VR_SRCDIR:?}/tests/support/webhook-receiver.py" "$WEBHOOK_OUT" "$dir/port" \
		>"$dir/receiver.log" 2>&1 &
	WEBHOOK_PID=$!
	vr_on_cleanup webhook_stop
	vr_wait_file "$dir/port" 10 || vr_fail "the webhook receiver did not start: $(cat "$dir/receiver.log")"
	WEBHOOK_URL="http://127.0.0.1:$(cat "$dir/port")/"
	vr_log "webhook receiver pid $WEBHOOK_PID on $WEBHOOK_URL"
}

webhook_stop() {
	vr_stop_pid "$WEBHOOK_PID" webhook-receiver 5
	WEBHOOK_PID=
}

alertmanager_start() {
	local dir="$1" url="$2" secs=30
	[ -x "$ALERTMANAGER_BIN" ] || vr_fail "$ALERTMANAGER_BIN is missing (apt-get install prometheus-alertmanager, under a policy-rc.d that answers 101)"
	mkdir -p "$dir/data"
	AM_PORT=$(vr_free_port tcp)
	cat >"$dir/alertmanager.yml" <<EOF
route:
  receiver: webhook
  group_by: ['alertname', 'instance', 'domain', 'group']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: '$url'
        send_resolved: true
EOF
	vr_show_log "$dir/alertmanager.out"
	"$ALERTMANAGER_BIN" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
		--web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
		--log.level=warn >"$dir/alertmanager.out" 2>&1 &
	AM_PID=$!
	vr_on_cleanup alertmanager_stop
	vr_wait_ready alertmanager "$AM_PID" "$secs" vr_http_ok "http://127.0.0.1:$AM_PORT/-/ready"
	vr_check_comm "$AM_PID" prometheus-aler
	vr_log "alertmanager pid $AM_PID on 127.0.0.1:$AM_PORT, notifying $url"
}

alertmanager_stop() {
	vr_stop_pid "$AM_PID" alertmanager 10
	AM_PID=
}
