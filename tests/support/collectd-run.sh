# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: dash and bash have it
# collectd-run.sh: helpers to run a private collectd daemon in a test.
# Source it from a `set -eu` /bin/sh test (dash or bash: uses `local`):
#
#   . "$VR_SRCDIR/tests/support/collectd-run.sh"
#   vr_setup                      # VR_TMP = private dir; EXIT/INT/TERM trap runs the cleanups
#   vr_on_cleanup 'some command'  # run at exit, last registered first (used by the start helpers)
#   vr_fail "message"             # print "FAIL: message" to stderr and exit 1
#   vr_free_port tcp|udp          # print a port on 127.0.0.1 that is free right now
#   vr_wait_file FILE [SECONDS]   # wait until FILE exists and is non-empty (default 10 s); 1 on timeout
#   vr_wait_log FILE ERE [SECONDS]  # wait until a line of FILE matches the extended regex ERE
#   vr_wait_log_after FILE LINE ERE [SECONDS]  # the same, for the lines from LINE on
#
#   collectd_conf [-i INTERVAL] [-p] DIR < extra   # write DIR/collectd.conf
#       Hostname "vr-test" (COLLECTD_HOST), FQDNLookup false, Interval (default 1), BaseDir DIR,
#       PIDFile, TypesDB /usr/share/collectd/types.db, the logfile plugin (LogLevel info, File
#       DIR/collectd.log, PrintSeverity true; it also logs every notification). -p loads the built
#       virt_resctrl.so from a private copy (DIR/plugins, collectd refuses symlinks) and sets PluginDir
#       back to /usr/lib/collectd after it. stdin (the caller's blocks: LoadPlugin lines, <Plugin>
#       blocks) is appended last; those LoadPlugin lines find the stock plugins.
#   collectd_start DIR [SECONDS]  # start `collectd -C DIR/collectd.conf -f` in the background, wait for
#                                 # "Initialization complete" in DIR/collectd.log; sets COLLECTD_PID;
#                                 # registers collectd_stop as cleanup
#   collectd_stop                 # SIGTERM, wait up to 10 s, then SIGKILL
#   collectd_test DIR             # run `collectd -C DIR/collectd.conf -T`: COLLECTD_T_RC = exit code,
#                                 # DIR/test.out = its stdout+stderr followed by DIR/collectd.log
#   vr_stop_pid PID NAME [SECONDS]  # the stop sequence used by every helper
#   vr_detach_mount DIR           # lazily unmount DIR if /proc/mounts lists it (a dead FUSE mount too)
#   vr_check_comm PID NAME        # fail unless /proc/PID/comm is NAME (the daemon, not a wrapper)
#   collectd_sock SOCKET CMD...   # talk to the unixsock plugin (PUTVAL, LISTVAL, GETVAL), print replies
#   collectd_no_errors LOG [ERE]  # fail on an [error] line in collectd's LOG, but those matching ERE
#
# When the built plugin links libasan (an -fsanitize=address build), collectd is started with the
# sanitizer runtimes preloaded (LD_PRELOAD) and ASAN_OPTIONS=detect_leaks=0, so the same tests pass in
# both builds. Everything stays on 127.0.0.1 and under VR_TMP; VR_KEEP_TMP=1 keeps VR_TMP after the run.

COLLECTD_BIN=${COLLECTD_BIN:-/usr/sbin/collectd}
COLLECTD_HOST=${COLLECTD_HOST:-vr-test}
COLLECTD_STOCK_PLUGINDIR=${COLLECTD_STOCK_PLUGINDIR:-/usr/lib/collectd}
COLLECTD_TYPESDB=${COLLECTD_TYPESDB:-/usr/share/collectd/types.db}
COLLECTD_PID=
VR_CLEANUPS=
VR_LOGS=
# The system python: carbon uses it too, and it starts faster than a pyenv shim.
if [ -x /usr/bin/python3 ]; then VR_PYTHON=/usr/bin/python3; else VR_PYTHON=python3; fi

vr_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# vr_log MSG: a progress line, with the seconds since vr_setup.
vr_log() {
	echo "# [+$(($(date +%s) - ${VR_T0:-$(date +%s)}))s] $*"
}

# vr_on_cleanup CMD: CMD runs at exit, before the ones registered earlier.
vr_on_cleanup() {
	VR_CLEANUPS="$1
$VR_CLEANUPS"
}

# vr_show_log FILE: printed (tail) when the test fails, to say why.
vr_show_log() {
	VR_LOGS="$VR_LOGS $1"
}

vr_run_cleanups() {
	local rc=$? f cmd
	trap - EXIT INT TERM
	set +e
	if [ "$rc" -ne 0 ]; then
		for f in $VR_LOGS; do
			[ -f "$f" ] || continue
			echo "---- last lines of $f ----" >&2
			tail -n 40 "$f" >&2
		done
	fi
	while IFS= read -r cmd; do
		[ -n "$cmd" ] && eval "$cmd"
	done <<EOF
$VR_CLEANUPS
EOF
	if [ -n "${VR_TMP:-}" ] && [ "${VR_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$VR_TMP"
	elif [ -n "${VR_TMP:-}" ]; then
		echo "# kept $VR_TMP" >&2
	fi
	exit "$rc"
}

vr_setup() {
	VR_T0=$(date +%s)
	VR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-e2e.XXXXXX")
	trap vr_run_cleanups EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

vr_free_port() {
	"$VR_PYTHON" -c '
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
' "$1"
}

# vr_wait_ready NAME PID SECS CMD...: the start-up wait of a daemon a test
# starts: returns once CMD succeeds; fails naming NAME when PID exits first
# or SECS pass.
vr_wait_ready() {
	local name=$1 pid=$2 secs=$3 n=0
	shift 3
	until "$@"; do
		vr_alive "$pid" || vr_fail "$name exited during start-up"
		[ "$n" -ge $((secs * 10)) ] && vr_fail "$name was not ready within ${secs}s"
		sleep 0.1
		n=$((n + 1))
	done
}

# vr_http_ok URL: true when URL answers 200.
vr_http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; }

# vr_alive PID: true while PID runs (a zombie counts as gone).
vr_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

vr_stop_pid() {
	local pid="$1" name="$2" secs="${3:-10}" n
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	n=0
	while vr_alive "$pid" && [ "$n" -lt $((secs * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if vr_alive "$pid"; then
		echo "# $name (pid $pid) ignored SIGTERM for ${secs}s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# vr_detach_mount DIR: read /proc/mounts rather than `mountpoint`, whose stat of a crashed FUSE
# emulator's mount fails with ENOTCONN, so that the dead mount would never be detached.
vr_detach_mount() {
	if grep -qs " $1 " /proc/mounts; then
		fusermount3 -u -z "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
	fi
}

# vr_check_comm PID NAME: PID is the daemon itself (so that stopping PID stops it), not a wrapper.
vr_check_comm() {
	local comm
	comm=$(cat "/proc/$1/comm" 2>/dev/null) || vr_fail "pid $1 ($2) is gone"
	[ "$comm" = "$2" ] || vr_fail "pid $1 is '$comm', not $2: the daemon would outlive the test"
}

vr_wait_file() { until_true "${2:-10}" test -s "$1"; }

vr_log_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }
vr_wait_log() { until_true "${3:-10}" vr_log_has "$1" "$2"; }

vr_log_has_after() { tail -n +"$2" "$1" 2>/dev/null | grep -Eq -- "$3"; }
vr_wait_log_after() { until_true "${4:-10}" vr_log_has_after "$1" "$2" "$3"; }

# The built plugin, or a loud failure: these tests never skip.
collectd_plugin_so() {
	local so="${VR_BUILDDIR:?VR_BUILDDIR is not set}/src/.libs/virt_resctrl.so"
	[ -f "$so" ] || vr_fail "$so is missing: build the plugin first (make)"
	echo "$so"
}

collectd_conf() {
	local interval=1 with_plugin=0 dir
	while [ $# -gt 1 ]; do
		case $1 in
		-i) interval=$2; shift 2 ;;
		-p) with_plugin=1; shift ;;
		*) break ;;
		esac
	done
	dir=$1
	mkdir -p "$dir"
	COLLECTD_SO=
	{
		cat <<EOF
Hostname "$COLLECTD_HOST"
FQDNLookup false
Interval $interval
BaseDir "$dir"
PIDFile "$dir/collectd.pid"
TypesDB "$COLLECTD_TYPESDB"
PluginDir "$COLLECTD_STOCK_PLUGINDIR"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/collectd.log"
  Timestamp true
  PrintSeverity true
</Plugin>
EOF
		if [ "$with_plugin" = 1 ]; then
			mkdir -p "$dir/plugins"
			cp "$(collectd_plugin_so)" "$dir/plugins/virt_resctrl.so"
			cat <<EOF
PluginDir "$dir/plugins"
LoadPlugin virt_resctrl
PluginDir "$COLLECTD_STOCK_PLUGINDIR"
EOF
		fi
		cat
	} >"$dir/collectd.conf"
	if [ "$with_plugin" = 1 ]; then COLLECTD_SO=$dir/plugins/virt_resctrl.so; fi
}

# collectd_env_export: in a subshell that then execs collectd, preload the sanitizer runtimes when
# the copied plugin was built with ASan (an uninstrumented collectd cannot dlopen() it otherwise:
# "ASan runtime does not come first").
#
# libvirt's RPC encodes with libtirpc's xdr*() functions. libasan intercepts glibc's xdr*() names,
# and glibc (2.32 on) exports none for linking, so the interceptor has no real function to call:
# libvirt's first remote call jumps to address 0 (SEGV in virNetMessageEncodeHeader). Preloading
# libtirpc ahead of the runtimes makes those names resolve to libtirpc; ASan then no longer comes
# first, which verify_asan_link_order=0 allows (libtirpc defines no malloc/free of its own).
collectd_env_export() {
	local tirpc
	if [ -n "${COLLECTD_SO:-}" ] && ldd "$COLLECTD_SO" | grep -q 'libasan'; then
		LD_PRELOAD=$(ldd "$COLLECTD_SO" | awk '/libasan|libubsan/ { print $3 }' | sort | tr '\n' ' ')
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		tirpc=$(ldd "$COLLECTD_SO" | awk '/libtirpc/ { print $3 }')
		if [ -n "$tirpc" ]; then
			LD_PRELOAD="$tirpc $LD_PRELOAD"
			ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
		fi
		export LD_PRELOAD ASAN_OPTIONS
	fi
}

collectd_start() {
	local dir="$1" secs="${2:-20}"
	[ -f "$dir/collectd.conf" ] || vr_fail "collectd_start: no $dir/collectd.conf (call collectd_conf)"
	vr_show_log "$dir/collectd.log"
	vr_show_log "$dir/collectd.stdout"
	# exec: $! must be collectd itself, not a subshell, or the stop would miss it.
	(
		collectd_env_export
		exec "$COLLECTD_BIN" -C "$dir/collectd.conf" -f
	) >"$dir/collectd.stdout" 2>&1 &
	COLLECTD_PID=$!
	vr_on_cleanup collectd_stop
	if ! vr_wait_log "$dir/collectd.log" 'Initialization complete' "$secs"; then
		vr_alive "$COLLECTD_PID" || vr_fail "collectd exited during start-up"
		vr_fail "collectd did not report 'Initialization complete' within ${secs}s"
	fi
	vr_alive "$COLLECTD_PID" || vr_fail "collectd exited right after start-up"
	vr_check_comm "$COLLECTD_PID" collectd
	vr_log "collectd pid $COLLECTD_PID up"
}

collectd_stop() {
	vr_stop_pid "$COLLECTD_PID" collectd 10
	COLLECTD_PID=
}

collectd_test() {
	local dir="$1"
	: >"$dir/collectd.log"
	set +e
	(
		collectd_env_export
		exec "$COLLECTD_BIN" -C "$dir/collectd.conf" -T
	) >"$dir/test.raw" 2>&1
	# shellcheck disable=SC2034 # read by the caller
	COLLECTD_T_RC=$?
	set -e
	{
		cat "$dir/test.raw"
		if [ -f "$dir/collectd.log" ]; then cat "$dir/collectd.log"; fi
	} >"$dir/test.out"
	vr_show_log "$dir/test.out"
}

# collectd_sock SOCKET CMD...: send each CMD (unixsock protocol: PUTVAL, LISTVAL, GETVAL...) to a running
# collectd's unixsock plugin and print the replies; a reply's status line "N ..." with N > 0 is
# followed by N lines, which are printed too. Exit 1 when a command answers with a negative status.
collectd_sock() {
	"$VR_PYTHON" - "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rw")
rc = 0
for cmd in sys.argv[2:]:
    f.write(cmd + "\n")
    f.flush()
    status = f.readline()
    print(status.rstrip("\n"))
    n = int(status.split(" ", 1)[0])
    if n < 0:
        rc = 1
    for _ in range(max(n, 0)):
        print(f.readline().rstrip("\n"))
sys.exit(rc)
PY
}

collectd_no_errors() {
	if grep -E '\[error\]' "$1" | grep -Ev "${2:-^$}" >"$VR_TMP/errors"; then
		vr_fail "collectd logged errors: $(cat "$VR_TMP/errors")"
	fi
}

# until_true SECONDS CMD...: poll CMD every 50 ms until it succeeds; 1 on timeout.
until_true() {
	local n=$(($1 * 20))
	shift
	until "$@"; do
		[ "$n" -le 0 ] && return 1
		sleep 0.05
		n=$((n - 1))
	done
}

# collectd_writer_blocks CSV_DIR WARNING_MAX: the writers every end-to-end test
# uses, as config lines for collectd_conf's stdin: csv (raw counters), write_graphite
# to the carbon of carbon.sh, network to the InfluxDB of influxdb.sh, and a threshold
# on virt_resctrl's percent values. write_graphite and network hold values until a
# send buffer (about 1.4 kB) fills: they flush every second instead, or the first
# values take seconds to arrive.
collectd_writer_blocks() {
	cat <<EOF
LoadPlugin csv
<LoadPlugin write_graphite>
  FlushInterval 1
</LoadPlugin>
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
LoadPlugin threshold
<Plugin csv>
  DataDir "$1"
  StoreRates false
</Plugin>
<Plugin write_graphite>
  <Node "carbon">
    Host "127.0.0.1"
    Port "$CARBON_PORT"
    Protocol "tcp"
    LogSendErrors true
  </Node>
</Plugin>
<Plugin network>
  Server "127.0.0.1" "$INFLUX_COLLECTD_PORT"
</Plugin>
<Plugin threshold>
  <Plugin "virt_resctrl">
    <Type "percent">
      WarningMax $2
    </Type>
  </Plugin>
</Plugin>
EOF
}
