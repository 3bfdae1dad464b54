# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: dash and bash have it
# carbon.sh: a private carbon-cache (graphite-carbon) on loopback for a test. Source it after
# collectd-run.sh (it uses vr_free_port, vr_on_cleanup, vr_wait_ready, vr_stop_pid, until_true):
#
#   carbon_start DIR [SECONDS]   # config, storage and logs under DIR; line receiver on 127.0.0.1:
#                                # CARBON_PORT (a free port), pickle receiver off, cache query port
#                                # picked by the kernel; WHISPER_AUTOFLUSH, retentions 1s:1h, no own
#                                # metrics; runs in the foreground as CARBON_PID (pidfile DIR/carbon.pid),
#                                # waits until the line receiver accepts; registers carbon_stop
#   carbon_stop                  # SIGTERM, wait, SIGKILL
#   carbon_wsp METRIC            # the whisper file of a dotted metric name (a.b.c -> DIR/whisper/a/b/c.wsp)
#   carbon_values METRIC [SECONDS_BACK]  # the non-None values of METRIC's last SECONDS_BACK (default
#                                # 120) seconds, oldest first, one per line (whisper-fetch)
#   carbon_last METRIC           # the latest non-None value; 1 when there is none
#   carbon_wait_value METRIC [SECONDS]   # wait until METRIC has a non-None value
#   carbon_equals VALUE NUMBER   # true when whisper's VALUE (printed as %f) equals NUMBER numerically
#   carbon_wait_equals METRIC NUMBER [SECONDS]  # wait until METRIC's latest value equals NUMBER
#
# collectd's write_graphite then needs (plus <LoadPlugin write_graphite> FlushInterval 1 </LoadPlugin>:
# it otherwise holds values until its 1.4 kB send buffer fills): <Node "x"> Host "127.0.0.1" Port "$CARBON_PORT" Protocol "tcp" </Node>.

CARBON_BIN=${CARBON_BIN:-/usr/bin/carbon-cache}
CARBON_PID=
CARBON_DIR=

carbon_start() {
	local dir="$1" secs="${2:-30}"
	mkdir -p "$dir/conf" "$dir/storage/whisper" "$dir/log"
	CARBON_DIR=$dir
	CARBON_PORT=$(vr_free_port tcp)
	cat >"$dir/conf/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $dir/storage/
LOCAL_DATA_DIR = $dir/storage/whisper/
WHITELISTS_DIR = $dir/storage/lists/
CONF_DIR = $dir/conf/
LOG_DIR = $dir/log/
PID_DIR = $dir/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
MIN_TIMESTAMP_RESOLUTION = 1
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = 0
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = 0
USE_FLOW_CONTROL = True
LOG_LISTENER_CONNECTIONS = False
LOG_UPDATES = False
LOG_CREATES = True
CACHE_WRITE_STRATEGY = sorted
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
CARBON_METRIC_INTERVAL = 0
ENABLE_TAGS = False
EOF
	cat >"$dir/conf/storage-schemas.conf" <<EOF
[everything]
pattern = .*
retentions = 1s:1h
EOF
	vr_show_log "$dir/carbon.out"
	vr_show_log "$dir/log/console.log"
	"$CARBON_BIN" --config="$dir/conf/carbon.conf" --pidfile="$dir/carbon.pid" \
		--logdir="$dir/log" --nodaemon start >"$dir/carbon.out" 2>&1 &
	CARBON_PID=$!
	vr_on_cleanup carbon_stop
	vr_wait_ready "carbon-cache (line receiver 127.0.0.1:$CARBON_PORT)" "$CARBON_PID" "$secs" carbon_accepts
	vr_check_comm "$CARBON_PID" carbon-cache
	vr_log "carbon-cache pid $CARBON_PID on 127.0.0.1:$CARBON_PORT"
}

# carbon_accepts: true when our carbon's line receiver takes a connection.
carbon_accepts() {
	"$VR_PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.close()
' "$CARBON_PORT" 2>/dev/null
}

carbon_stop() {
	vr_stop_pid "$CARBON_PID" carbon-cache 10
	CARBON_PID=
}

carbon_wsp() {
	echo "$CARBON_DIR/storage/whisper/$(echo "$1" | tr . /).wsp"
}

carbon_values() {
	local wsp back="${2:-120}"
	wsp=$(carbon_wsp "$1")
	[ -f "$wsp" ] || return 1
	whisper-fetch --from=$(($(date +%s) - back)) "$wsp" | awk '$2 != "None" { print $2 }'
}

carbon_last() {
	local v
	v=$(carbon_values "$1" | tail -n 1) || return 1
	[ -n "$v" ] || return 1
	echo "$v"
}

carbon_has_value() { carbon_last "$1" >/dev/null 2>&1; }
carbon_wait_value() { until_true "${2:-15}" carbon_has_value "$1"; }

carbon_equals() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'
}

# carbon-cache writes each point when it arrives: the latest one may still be an older value
# (collectd sent it before the one the test set), so a check waits as the csv checks do.
carbon_is() { carbon_equals "$(carbon_last "$1" 2>/dev/null)" "$2"; }
carbon_wait_equals() { until_true "${3:-15}" carbon_is "$1" "$2"; }
