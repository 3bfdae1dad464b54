# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: dash and bash have it
# influxdb.sh: a private InfluxDB 1.6 (influxd) on loopback for a test, with its collectd listener.
# Source it after collectd-run.sh (it uses vr_free_port, vr_on_cleanup, vr_stop_pid, until_true):
#
#   influxdb_start DIR [SECONDS]  # meta/data/wal under DIR; HTTP on 127.0.0.1:INFLUX_HTTP_PORT, the
#                                 # collectd listener (UDP) on 127.0.0.1:INFLUX_COLLECTD_PORT into the
#                                 # database "collectd" (batch-size 1, batch-timeout 100ms); reporting,
#                                 # monitor store, continuous queries, retention, subscriber, pprof off;
#                                 # waits for /ping (204); sets INFLUX_PID; registers influxdb_stop
#   influxdb_stop                 # SIGTERM, wait, SIGKILL
#   influxdb_query 'InfluxQL'     # runs it against database collectd, prints CSV (influx -format csv):
#                                 # a header line "name,time,<columns...>", then one line per point
#   influxdb_wait_rows 'InfluxQL' [SECONDS]  # wait until the query returns at least one point
#
# collectd's network plugin then needs (plus <LoadPlugin network> FlushInterval 1 </LoadPlugin>: it
# otherwise holds values until a 1.4 kB packet fills): <Server "127.0.0.1" "$INFLUX_COLLECTD_PORT"></Server>.
# Points land in measurement "<plugin>_<data source>" (e.g. memory_value) with tags host, instance
# (plugin_instance), type, type_instance.

INFLUXD_BIN=${INFLUXD_BIN:-/usr/bin/influxd}
INFLUX_PID=

influxdb_start() {
	local dir="$1" secs="${2:-30}" rpc_port n=0
	mkdir -p "$dir/meta" "$dir/data" "$dir/wal"
	INFLUX_HTTP_PORT=$(vr_free_port tcp)
	rpc_port=$(vr_free_port tcp)
	INFLUX_COLLECTD_PORT=$(vr_free_port udp)
	cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"

[meta]
  dir = "$dir/meta"
  logging-enabled = false

[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_HTTP_PORT"
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[[collectd]]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_COLLECTD_PORT"
  database = "collectd"
  typesdb = "/usr/share/collectd/types.db"
  security-level = "none"
  batch-size = 1
  batch-timeout = "100ms"
EOF
	vr_show_log "$dir/influxd.out"
	"$INFLUXD_BIN" -config "$dir/influxdb.conf" >"$dir/influxd.out" 2>&1 &
	INFLUX_PID=$!
	vr_on_cleanup influxdb_stop
	while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INFLUX_HTTP_PORT/ping")" != 204 ]; do
		vr_alive "$INFLUX_PID" || vr_fail "influxd exited during start-up"
		[ "$n" -ge $((secs * 10)) ] && vr_fail "influxd did not answer /ping within ${secs}s"
		sleep 0.1
		n=$((n + 1))
	done
	vr_check_comm "$INFLUX_PID" influxd
	vr_log "influxd pid $INFLUX_PID: http 127.0.0.1:$INFLUX_HTTP_PORT, collectd udp 127.0.0.1:$INFLUX_COLLECTD_PORT"
}

influxdb_stop() {
	vr_stop_pid "$INFLUX_PID" influxd 10
	INFLUX_PID=
}

influxdb_query() {
	influx -host 127.0.0.1 -port "$INFLUX_HTTP_PORT" -database collectd -format csv -execute "$1"
}

# influxdb_has_rows 'InfluxQL': the query returns at least one point (a header line and a row)
influxdb_has_rows() { [ "$(influxdb_query "$1" 2>/dev/null | wc -l)" -ge 2 ]; }
influxdb_wait_rows() { until_true "${2:-15}" influxdb_has_rows "$1"; }
