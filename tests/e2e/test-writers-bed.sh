#!/bin/sh
# SPDX-License-Identifier: MIT
# Proves the writer test bed with stock collectd plugins only (no virt_resctrl needed): a real collectd
# sends to csv, write_graphite -> a private carbon-cache, network -> a private InfluxDB, and the
# threshold plugin. Values come from the stock `memory` plugin and, with exact numbers and the
# identifiers virt_resctrl will use (doc/design.md, "collectd interface"), from PUTVAL over unixsock.
set -eu
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/carbon.sh"
. "$VR_SRCDIR/tests/support/influxdb.sh"

vr_setup
carbon_start "$VR_TMP/carbon"
influxdb_start "$VR_TMP/influx"

cd_dir=$VR_TMP/collectd
sock=$cd_dir/collectd.sock
collectd_conf -i 1 "$cd_dir" <<EOF
LoadPlugin memory
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$sock"
  SocketGroup "root"
</Plugin>
$(collectd_writer_blocks "$cd_dir/csv" 30)
EOF
collectd_start "$cd_dir"
log=$cd_dir/collectd.log
host=$COLLECTD_HOST
# The csv plugin names a file by the day of the value's time (a run may cross midnight).
day_of() { date -d "@$1" +%Y-%m-%d; }
mem_value_written() { grep -Eqs '^[0-9.]+,[0-9.e+]+$' "$cd_dir/csv/$host/memory/"memory-used-*; }

# 1. A stock read plugin reaches all three writers.
until_true 15 mem_value_written || vr_fail "csv: no value line in $cd_dir/csv/$host/memory/memory-used-*"
carbon_wait_value "$host.memory.memory-used" 15 || vr_fail "carbon: no value for $host.memory.memory-used"
mem=$(carbon_last "$host.memory.memory-used")
awk -v v="$mem" 'BEGIN { exit !(v > 0) }' || vr_fail "carbon: memory-used is $mem, expected > 0"
q_mem="SELECT value FROM memory_value WHERE host='$host' AND type='memory' AND type_instance='used'"
influxdb_wait_rows "$q_mem" 15 || vr_fail "influxdb: no point for: $q_mem"
vr_log "memory-used arrived in csv, carbon ($mem), influxdb"

# 2. Exact values, in the shape virt_resctrl dispatches: gauge bytes/percent, derive memory_bandwidth.
now=$(date +%s)
id=$host/virt_resctrl-dom1:grp0
collectd_sock "$sock" \
	"PUTVAL $id/bytes-llc-0 interval=1 $now:1048576" \
	"PUTVAL $id/percent-llc-0 interval=1 $now:45" \
	"PUTVAL $id/memory_bandwidth-total-0 interval=1 $now:1000000" \
	"PUTVAL $id/memory_bandwidth-total-0 interval=1 $((now + 1)):3000000" >"$VR_TMP/putval.out" ||
	vr_fail "PUTVAL refused: $(cat "$VR_TMP/putval.out")"

# threshold: 45 % > WarningMax 30 -> WARNING naming the series; then 10 % -> OKAY.
warn_re='severity = WARNING, host = vr-test, plugin = virt_resctrl, plugin_instance = dom1:grp0, type = percent, type_instance = llc-0'
vr_wait_log "$log" "Notification: $warn_re" 5 || vr_fail "threshold: no WARNING for 45 % > 30 %"
warn_line=$(grep -n "Notification: $warn_re" "$log" | head -n 1 | cut -d: -f1)
collectd_sock "$sock" "PUTVAL $id/percent-llc-0 interval=1 $((now + 1)):10" >/dev/null ||
	vr_fail "PUTVAL percent 10 refused"
okay_re='Notification: severity = OKAY, host = vr-test, plugin = virt_resctrl, plugin_instance = dom1:grp0, type = percent, type_instance = llc-0'
vr_wait_log_after "$log" "$((warn_line + 1))" "$okay_re" 5 ||
	vr_fail "threshold: no OKAY after the WARNING once the value dropped to 10 %"
vr_log "threshold: WARNING at 45 %, OKAY at 10 %"

# csv: one file per series, raw values (StoreRates false keeps the derive counter).
csv_dir=$cd_dir/csv/$host/virt_resctrl-dom1:grp0
vr_wait_log "$csv_dir/bytes-llc-0-$(day_of "$now")" "^$now(\\.0+)?,1048576(\\.0+)?\$" 15 ||
	vr_fail "csv: bytes-llc-0 does not hold $now,1048576"
vr_wait_log "$csv_dir/memory_bandwidth-total-0-$(day_of $((now + 1)))" "^$((now + 1))(\\.0+)?,3000000\$" 15 ||
	vr_fail "csv: memory_bandwidth-total-0 does not hold the raw counter 3000000"
vr_wait_log "$csv_dir/percent-llc-0-$(day_of $((now + 1)))" "^$((now + 1))(\\.0+)?,10(\\.0+)?\$" 15 ||
	vr_fail "csv: percent-llc-0 does not hold 10"

# carbon: write_graphite names <host>.<plugin>-<plugin_instance>.<type>-<type_instance>, and escapes
# the ':' of <domain>:<group> to '_' (EscapeCharacter); derive goes out as a rate (StoreRates).
g=$host.virt_resctrl-dom1_grp0
carbon_wait_value "$g.bytes-llc-0" 15 || vr_fail "carbon: no $g.bytes-llc-0 ($(cd "$CARBON_DIR/storage/whisper" && find . -name '*.wsp' | tr '\n' ' '))"
carbon_equals "$(carbon_last "$g.bytes-llc-0")" 1048576 || vr_fail "carbon: bytes-llc-0 = $(carbon_last "$g.bytes-llc-0"), want 1048576"
carbon_wait_value "$g.memory_bandwidth-total-0" 15 || vr_fail "carbon: no $g.memory_bandwidth-total-0"
carbon_equals "$(carbon_last "$g.memory_bandwidth-total-0")" 2000000 ||
	vr_fail "carbon: memory_bandwidth-total-0 = $(carbon_last "$g.memory_bandwidth-total-0"), want the rate 2000000"
percent_45_10() { [ "$(carbon_values "$g.percent-llc-0" | awk '{ printf "%g ", $1 }')" = "45 10 " ]; }
until_true 5 percent_45_10 ||
	vr_fail "carbon: percent-llc-0 holds '$(carbon_values "$g.percent-llc-0" | tr '\n' ' ')', want 45 then 10"
vr_log "carbon: bytes 1048576, bandwidth rate 2000000, percent 45 then 10"

# InfluxDB: measurement virt_resctrl_value, tags host, instance, type, type_instance.
q="SELECT value, host, instance, type, type_instance FROM virt_resctrl_value WHERE instance='dom1:grp0'"
want_rows=4
influx_rows() { [ "$(influxdb_query "$q" | tail -n +2 | wc -l)" -ge "$want_rows" ]; }
until_true 10 influx_rows || vr_fail "influxdb: $q returned: $(influxdb_query "$q")"
influxdb_query "$q AND type='percent' AND type_instance='llc-0' AND host='$host'" >"$VR_TMP/influx.csv"
vals=$(tail -n +2 "$VR_TMP/influx.csv" | cut -d, -f3 | tr '\n' ' ')
[ "$vals" = "45 10 " ] || vr_fail "influxdb: percent llc-0 values '$vals', want '45 10 ' ($(cat "$VR_TMP/influx.csv"))"
influxdb_query "$q AND type='memory_bandwidth' AND type_instance='total-0'" >"$VR_TMP/influx.csv"
vals=$(tail -n +2 "$VR_TMP/influx.csv" | cut -d, -f3 | tr '\n' ' ')
[ "$vals" = "1000000 3000000 " ] || vr_fail "influxdb: memory_bandwidth total-0 values '$vals', want the raw counters"
influxdb_query "$q AND type='bytes' AND type_instance='llc-0'" >"$VR_TMP/influx.csv"
vals=$(tail -n +2 "$VR_TMP/influx.csv" | cut -d, -f3 | tr '\n' ' ')
[ "$vals" = "1048576 " ] || vr_fail "influxdb: bytes llc-0 values '$vals', want 1048576"
vr_log "influxdb: tagged points for bytes, percent, memory_bandwidth"

# Nothing from collectd's writers complained.
collectd_no_errors "$log"
echo "PASS: test-writers-bed"
