#!/bin/bash
# SPDX-License-Identifier: MIT
# A fleet (doc/fleet.md): three collectd daemons with the built virt_resctrl.so, each its own
# "host" (Hostname fleet-a, fleet-b, fleet-c) with its own resctrl emulator, sysfs fixture and
# domains, send through collectd's network plugin, signed (SecurityLevel Sign, a user and password
# each), to one central collectd on loopback that checks the signatures against its AuthFile and
# writes csv, write_prometheus (scraped by a real Prometheus) and, forwarding, InfluxDB's collectd
# listener. The domains are libvirt's test driver's (test:///FILE, no daemon) and each domain's
# "QEMU" is a small process whose threads are named as QEMU names vCPU threads ("CPU n/KVM"), its
# pid in LibvirtRunPath/NAME.pid, as the kernel bed does (tests/kernel-bed/e2e-plugin.sh): three
# private libvirtds with TCG guests would not fit a 2-core machine in 2 minutes. Must hold:
# - every host's groups, host and vms series reach Prometheus with instance = that host, exact
#   values; a fourth sender with a wrong password is refused (the central logs the hash mismatch)
#   and none of its values arrive anywhere;
# - every query of contrib/grafana/virt_resctrl-fleet.json (Prometheus) and of
#   contrib/grafana/virt_resctrl-fleet-influxdb.json, with the template variables filled in as the
#   dashboard opens and then with each single host and each single cache id, returns exactly the
#   series and values it should (top-k cache and bandwidth hogs across hosts, vms/host per L3);
# - it measures, and prints as "measured:" lines (doc/fleet.md quotes them): network bytes per
#   value (the central network plugin's own statistics, ReportStats), the central collectd's CPU
#   per 1,000 values/s (/proc/PID/stat) and the delay from a value's time to its line in the
#   central's csv.
# It runs in the -Werror build only: it checks the wiring between collectd daemons, the servers and
# the dashboards, none of which the ASan build's plugin changes (that build runs the plugin's own
# end-to-end tests), and four collectd daemons under ASan would not fit 2 minutes.
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/emu.sh"
. "$VR_SRCDIR/tests/support/prometheus.sh"
. "$VR_SRCDIR/tests/support/influxdb.sh"
set -eu

dash=$VR_SRCDIR/contrib/grafana/virt_resctrl-fleet.json
idash=$VR_SRCDIR/contrib/grafana/virt_resctrl-fleet-influxdb.json
for f in "$dash" "$idash"; do [ -f "$f" ] || vr_fail "$f is missing"; done
for p in network write_prometheus csv load; do
	[ -f "$COLLECTD_STOCK_PLUGINDIR/$p.so" ] || vr_fail "collectd's $p.so is missing (collectd-core)"
done
if ldd "$(collectd_plugin_so)" | grep -q libasan; then
	echo "# the ASan build: this test runs in the -Werror build (the fleet's wiring and dashboards do not depend on the plugin's build)"
	exit 0
fi
NS=urn:x-virt-resctrl:resmon:1
vr_setup

# The fleet, one place for both ends (the shell sets it up, the python checks compare with it):
# per host its L3 cache ids and sizes (MiB), the root group's own occupancy (MiB, every cache id)
# and its VM groups (<domain>:<group>): vCPUs, occupancy per cache id (MiB), and bw, the memory
# bandwidth rank (total = bw x 100 MB/s + cache id x 10 MB/s). Every top-k cut falls between
# distinct values.
HOSTS="fleet-a fleet-b fleet-c"
FLEET_MODEL='{
 "fleet-a": {"caches": {"0": 32, "1": 32}, "root": 4,
             "groups": {"a-web:front": {"vcpus": "0-1", "llc": {"0": 6, "1": 1}, "bw": 4},
                        "a-db:db": {"vcpus": "0", "llc": {"0": 2, "1": 5.5}, "bw": 1}}},
 "fleet-b": {"caches": {"0": 16, "1": 16}, "root": 1,
             "groups": {"b-app:app": {"vcpus": "0-1", "llc": {"0": 2.5, "1": 4}, "bw": 2},
                        "b-batch:batch": {"vcpus": "0", "llc": {"0": 7, "1": 0.75}, "bw": 3}}},
 "fleet-c": {"caches": {"0": 32}, "root": 2,
             "groups": {"c-db:db": {"vcpus": "0-1", "llc": {"0": 9}, "bw": 5}}}
}'
# plan HOST: what the shell needs of the model, one line each: "cache ID KIB", "domain NAME UUID
# GROUP VCPUS NVCPUS", "occupancy DIR ID BYTES" (emulator control lines, the root "." too), "feed DIR
# ID BW"; the UUIDs are the domains' positions in the fleet. One python per host: a loaded 2-core
# machine starts python slowly.
plan() {
	"$VR_PYTHON" -c '
import json, sys
m, host = json.loads(sys.argv[1]), sys.argv[2]
doms = sorted(g for h in sorted(m) for g in m[h]["groups"])
h = m[host]
for c, mib in sorted(h["caches"].items()):
    print("cache", c, int(mib * 1024))
    print("occupancy", ".", c, int(h["root"] * 1048576))
for g, v in sorted(h["groups"].items()):
    dom, grp = g.split(":")
    uuid = "00000000-0000-4000-8000-%012d" % (doms.index(g) + 1)
    print("domain", dom, uuid, grp, v["vcpus"], int(v["vcpus"].split("-")[-1]) + 1)
    for c in sorted(h["caches"]):
        print("occupancy", "mon_groups/vr_%s_%s" % (uuid, grp), c, int(v["llc"][c] * 1048576))
        print("feed", "mon_groups/vr_%s_%s" % (uuid, grp), c, v["bw"])
' "$FLEET_MODEL" "$1"
}

# fake_qemu RUN NAME NVCPUS UUID: a process with NVCPUS threads named "CPU i/KVM" and "-uuid UUID"
# on its command line, as libvirt's QEMU has (the plugin checks it); its pid lands in RUN/NAME.pid
# once every thread has its name (the plugin reads threads when the pid file is there).
fake_qemu() {
	"$VR_PYTHON" -c '
import ctypes, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
named = threading.Semaphore(0)
def vcpu(i):
    libc.prctl(15, ("CPU %d/KVM" % i).encode(), 0, 0, 0)  # PR_SET_NAME
    named.release()
    threading.Event().wait()
for i in range(int(sys.argv[2])):
    threading.Thread(target=vcpu, args=(i,), daemon=True).start()
for i in range(int(sys.argv[2])):
    named.acquire()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
' "$1/$2.pid" "$3" -uuid "$4" &
	vr_on_cleanup "vr_stop_pid $! fake-qemu 5"
	vr_wait_file "$1/$2.pid" 10 || vr_fail "the fake QEMU of $2 did not start"
}

# The central collectd: signed network input, csv, write_prometheus, and forwarding to InfluxDB.
influxdb_start "$VR_TMP/influx"
net_port=$(vr_free_port udp)
wp_port=$(vr_free_port tcp)
central=$VR_TMP/central
mkdir -p "$central"
auth=$central/auth
: >"$auth"
for h in $HOSTS; do echo "$h: secret-of-$h" >>"$auth"; done
CENTRAL_CSV=$central/csv
COLLECTD_HOST=fleet-central collectd_conf -i 1 "$central" <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$CENTRAL_CSV"
  StoreRates false
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$wp_port"
</Plugin>
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  <Listen "127.0.0.1" "$net_port">
    SecurityLevel Sign
    AuthFile "$auth"
  </Listen>
  Server "127.0.0.1" "$INFLUX_COLLECTD_PORT"
  Forward true
  ReportStats true
</Plugin>
EOF
collectd_start "$central"
CENTRAL_PID=$COLLECTD_PID
vr_on_cleanup "vr_stop_pid $CENTRAL_PID collectd 10"

# The hosts: each its sysfs fixture, emulator, test-driver domains with their fake QEMUs, and a
# collectd; the collectd daemons start side by side.
declare -A CTL PID
feed_list=
for h in $HOSTS; do
	hd=$VR_TMP/$h
	mkdir -p "$hd/run"
	plan "$h" >"$hd/plan"
	i=0
	while read -r _ id kib; do
		d=$hd/sys/devices/system/cpu/cpu$i/cache/index3
		mkdir -p "$d"
		echo 3 >"$d/level"
		echo "$id" >"$d/id"
		echo "${kib}K" >"$d/size"
		i=$((i + 1))
	done < <(grep '^cache ' "$hd/plan")
	CTL[$h]=$hd/emu.ctl
	vr_emu_start "$hd/resctrl" --cache-ids "$(awk '$1 == "cache" { print $2 }' "$hd/plan" | paste -sd,)" --control "${CTL[$h]}"
	{
		echo "<node>"
		while read -r _ dom uuid grp vcpus nv; do
			printf "  <domain type='test'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>64</memory><vcpu>%d</vcpu>\n" "$dom" "$uuid" "$nv"
			printf '    <metadata><resmon xmlns="%s"><group name="%s" vcpus="%s"/></resmon></metadata>\n' "$NS" "$grp" "$vcpus"
			echo "    <os><type>hvm</type></os></domain>"
		done < <(grep '^domain ' "$hd/plan")
		echo "</node>"
	} >"$hd/node.xml"
	while read -r _ dom uuid _ _ nv; do
		fake_qemu "$hd/run" "$dom" "$nv" "$uuid"
	done < <(grep '^domain ' "$hd/plan")
	feed_list+=$(awk -v ctl="${CTL[$h]}" '$1 == "feed" { print ctl, $2, $3, $4 }' "$hd/plan")$'\n'
	COLLECTD_HOST=$h collectd_conf -p -i 1 "$hd/collectd" <<EOF
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  <Server "127.0.0.1" "$net_port">
    SecurityLevel Sign
    Username "$h"
    Password "secret-of-$h"
  </Server>
</Plugin>
<Plugin virt_resctrl>
  Connection "test://$hd/node.xml"
  ResctrlPath "$hd/resctrl"
  SysfsPath "$hd/sys"
  LibvirtRunPath "$hd/run"
  RefreshInterval 1
</Plugin>
EOF
done

# A sender with a wrong password: its packets fail the central's signature check.
rogue=$VR_TMP/rogue
COLLECTD_HOST=fleet-rogue collectd_conf -i 1 "$rogue" <<EOF
LoadPlugin load
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  <Server "127.0.0.1" "$net_port">
    SecurityLevel Sign
    Username "fleet-a"
    Password "not-the-secret"
  </Server>
</Plugin>
EOF

# collectd_start waits for each daemon in turn; these start together, then each is waited for.
for h in $HOSTS rogue; do
	dir=$VR_TMP/$h/collectd
	[ "$h" != rogue ] || dir=$rogue
	vr_show_log "$dir/collectd.log"
	(
		collectd_env_export
		exec "$COLLECTD_BIN" -C "$dir/collectd.conf" -f
	) >"$dir/collectd.stdout" 2>&1 &
	PID[$h]=$!
	vr_on_cleanup "vr_stop_pid ${PID[$h]} collectd 10"
done
for h in $HOSTS rogue; do
	dir=$VR_TMP/$h/collectd
	[ "$h" != rogue ] || dir=$rogue
	vr_wait_log "$dir/collectd.log" 'Initialization complete' 30 || vr_fail "the collectd of $h did not start"
	vr_check_comm "${PID[$h]}" collectd
done
vr_log "the collectd daemons of $HOSTS and the rogue sender are up"

all_groups_made() {
	local h d
	for h in $HOSTS; do
		while read -r d; do
			[ -d "$VR_TMP/$h/resctrl/$d" ] || return 1
		done < <(awk '$1 == "feed" { print $2 }' "$VR_TMP/$h/plan")
	done
}
until_true 30 all_groups_made || vr_fail "not every group was made: $(find "$VR_TMP"/fleet-*/resctrl/mon_groups -maxdepth 1 -name 'vr_*')"
vr_log "every host made its groups"

# Occupancy as the model says, the root's own RMID too.
for h in $HOSTS; do
	# shellcheck disable=SC2016 # $1 is the inner shell's: a timeout guards the FIFO's open too
	awk '$1 == "occupancy" { print $2, $3, "llc_occupancy", $4 }' "$VR_TMP/$h/plan" |
		timeout 5 sh -c 'cat >"$1"' sh "${CTL[$h]}" || vr_fail "cannot write to $h's emulator"
done

# The feeder: every 0.05 s each group's counters = its rate x the time since the feeder began:
# total = bw x 100 MB/s + cache id x 10 MB/s, local a tenth of it.
"$VR_PYTHON" -c '
import sys, time
rows = [l.split() for l in sys.argv[1].splitlines()]
fifos = {p: open(p, "w") for p in {r[0] for r in rows}}
t0 = time.monotonic()
while True:
    dt = time.monotonic() - t0
    for fifo, grp, c, bw in rows:
        rate = int(bw) * 100000000 + int(c) * 10000000
        fifos[fifo].write("%s %s mbm_total_bytes %d\n%s %s mbm_local_bytes %d\n" % (
            grp, c, rate * dt, grp, c, rate * dt / 10))
    for f in fifos.values():
        f.flush()
    time.sleep(0.05)
' "$feed_list" &
FEEDER_PID=$!
vr_on_cleanup "vr_stop_pid $FEEDER_PID feeder 5"

prometheus_start "$VR_TMP/prometheus" "127.0.0.1:$wp_port"

# The measurements run while Prometheus gathers its samples: 15 s of the central's csv and
# /proc/PID/stat.
vr_wait_file "$CENTRAL_CSV/fleet-central/network/if_octets-$(date +%F)" 20 ||
	vr_fail "the central's network statistics (ReportStats) never reached its csv"
"$VR_PYTHON" - "$CENTRAL_PID" "$CENTRAL_CSV" "$HOSTS" 15 >"$VR_TMP/measured" <<'PY' &
import glob, os, statistics, sys, time
pid, csv, hosts, secs = sys.argv[1], sys.argv[2], sys.argv[3].split(), float(sys.argv[4])
hz = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz  # utime, stime (fields 14, 15)
def last_row(kind):
    path = sorted(glob.glob("%s/fleet-central/network/%s-*" % (csv, kind)))[-1]
    row = open(path).read().strip().splitlines()[-1].split(",")
    return [float(x) for x in row]
# One series per host (its vms occupancy on cache 0): the delay from a value's time to its line.
watch = {h: "%s/%s/virt_resctrl-vms/bytes-llc-0-%s" % (csv, h, time.strftime("%Y-%m-%d")) for h in hosts}
seen = {h: os.path.getsize(w) if os.path.exists(w) else 0 for h, w in watch.items()}
delays = []
c0, w0 = cpu(), time.monotonic()
o0, v0 = last_row("if_octets"), last_row("total_values-dispatch-accepted")
p0 = last_row("if_packets")
while time.monotonic() - w0 < secs:
    for h, w in watch.items():
        size = os.path.getsize(w) if os.path.exists(w) else 0
        if size > seen[h]:
            now = time.time()
            with open(w) as f:
                f.seek(seen[h])
                new = f.read()
            if not new.endswith("\n"):
                continue
            seen[h] = size
            delays += [now - float(l.split(",")[0]) for l in new.splitlines() if l[:1].isdigit()]
    time.sleep(0.01)
c1, w1 = cpu(), time.monotonic()
o1, v1 = last_row("if_octets"), last_row("total_values-dispatch-accepted")
p1 = last_row("if_packets")
values_per_s = (v1[1] - v0[1]) / (v1[0] - v0[0])
octets = o1[1] - o0[1]
values = v1[1] - v0[1]
packets = p1[1] - p0[1]
cpu_share = (c1 - c0) / (w1 - w0)
print("values_per_s %.1f" % values_per_s)
print("bytes_per_value %.1f" % (octets / values))
print("values_per_packet %.1f" % (values / packets))
print("cpu_percent %.2f" % (100 * cpu_share))
print("cpu_percent_per_1000_values_s %.2f" % (100 * cpu_share * 1000 / values_per_s))
print("delay_n %d" % len(delays))
print("delay_median_s %.3f" % statistics.median(delays))
print("delay_max_s %.3f" % max(delays))
PY
MEASURE_PID=$!
vr_on_cleanup "vr_stop_pid $MEASURE_PID measure 5"

# The total counters: 5 groups on their caches (9), host and vms of each host (2 x 5 cache ids).
n_counters=$(cat "$VR_TMP"/fleet-*/plan | awk '$1 == "feed" { n++ } $1 == "cache" { n += 2 } END { print n }')
# A scrape finds a new value of a series or not, as the values' arrivals fall between scrapes (a
# loaded machine misses one in three): rate() extrapolates to the window's ends only across a gap
# near the average, so a 10 s window can read 10 % low. 30 s of samples keep it within 5 %: every
# counter has a sample 31 s old and 15 in the last 32 s.
total='collectd_virt_resctrl_memory_bandwidth_total{type=~"total-.+"}'
prom_wait_value 90 "count((count_over_time(${total}[32s]) >= 15) and (${total} offset 31s))" "$n_counters" ||
	vr_fail "prometheus has no 30 s of samples of the $n_counters total counters"
vr_log "prometheus holds 30 s of samples of every counter"
wait "$MEASURE_PID" || vr_fail "the measurement failed: $(cat "$VR_TMP/measured")"
MEASURE_PID=
sed 's/^/# measured: /' "$VR_TMP/measured"

"$VR_PYTHON" - "$PROM_PORT" "$dash" "$INFLUX_HTTP_PORT" "$idash" "$FLEET_MODEL" <<'PY' || vr_fail "see above"
import itertools, json, os, re, sys, urllib.error, urllib.parse, urllib.request

port, dash_path, influx_port, idash_path, fleet = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
problems = []
MiB = 1048576

sys.path.insert(0, os.environ["VR_SRCDIR"] + "/tests/support")
import prom_api
from prom_api import near

def api(path, **args):
    return prom_api.api(port, path, **args)

# The model: what each host's series must hold.
def llc(h, g, c): return fleet[h]["groups"][g]["llc"][c] * MiB
def vms_llc(h, c): return sum(llc(h, g, c) for g in fleet[h]["groups"])
def host_llc(h, c): return vms_llc(h, c) + fleet[h]["root"] * MiB
def size(h, c): return fleet[h]["caches"][c] * MiB
def bw(h, g, c, kind):
    total = fleet[h]["groups"][g]["bw"] * 100000000 + int(c) * 10000000
    return total if kind == "total" else total / 10
HOSTS = sorted(fleet)
CACHES = sorted({c for h in fleet.values() for c in h["caches"]})

# 1. Every host's series are there, and nothing of the rogue sender.
got = {(s["instance"], s["virt_resctrl"], s["type"]) for s in api("series", **{"match[]": "collectd_virt_resctrl_bytes"})}
want = {(h, g, "llc-" + c) for h in HOSTS for g in list(fleet[h]["groups"]) + ["host", "vms"] for c in fleet[h]["caches"]}
if got != want:
    problems.append("bytes series: missing %s, unexpected %s" % (sorted(want - got), sorted(got - want)))
rogue = api("series", **{"match[]": '{instance="fleet-rogue"}'})
if rogue:
    problems.append("the rogue sender's values arrived: %s" % rogue[:3])
print("ok: %d occupancy series of %d hosts, none of the rogue sender" % (len(got), len(HOSTS)))

t_end = api("query", query="max(timestamp(collectd_virt_resctrl_memory_bandwidth_total))")["result"][0]["value"][1]

# 2. The dashboard's variables: host, cache, and k (a custom list).
dash = json.load(open(dash_path))
variables = dash["templating"]["list"]
def fill(expr, chosen):
    for v in sorted(variables, key=lambda v: -len(v["name"])):
        expr = expr.replace("$" + v["name"], chosen[v["name"]])
    return expr.replace("$__rate_interval", "30s")

def var_values(v, chosen):
    if v["type"] == "custom":
        return [x.strip() for x in v["query"].split(",")]
    q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
    sel, label = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", fill(q, chosen)).groups()
    found = {s[label] for s in api("series", **{"match[]": sel}) if label in s}
    if v.get("regex"):
        rx = re.compile(v["regex"].strip("/"))
        found = {rx.fullmatch(x).group(1) for x in found if rx.fullmatch(x)}
    return sorted(found)

# As the dashboard opens: every variable at its current value (All: its allValue).
def opening():
    chosen = {}
    for v in variables:
        cur = v["current"]["value"]
        cur = cur[0] if isinstance(cur, list) else cur
        chosen[v["name"]] = v.get("allValue", ".+") if cur == "$__all" else cur
    return chosen
chosen = opening()
found = {}
for v in variables:
    found[v["name"]] = var_values(v, chosen)
want_vars = {"host": HOSTS, "cache": CACHES, "k": ["3", "5", "10"]}
if found != want_vars:
    problems.append("variables %s, want %s" % (found, want_vars))
print("ok: variables %s" % found)
# Host fleet-c's cache ids: the cache variable follows the host.
c_only = dict(chosen, host="fleet-c")
got_c = var_values([v for v in variables if v["name"] == "cache"][0], c_only)
if got_c != sorted(fleet["fleet-c"]["caches"]):
    problems.append("cache variable for fleet-c: %s" % got_c)

# 3. Every panel target, for the dashboard as it opens and for each single host and cache id.
def hosts_of(ch): return [h for h in HOSTS if re.fullmatch(ch["host"], h)]
def caches_of(h, ch): return [c for c in fleet[h]["caches"] if re.fullmatch(ch["cache"], c)]
def expected(title, ref, ch):
    """{frozenset(labels that matter): value}, the rows a panel target must return."""
    k = int(ch["k"])
    rows = {}
    if title.startswith("Top L3 cache hogs"):
        cand = [((("instance", h), ("virt_resctrl", g), ("type", "llc-" + c)), 100.0 * llc(h, g, c) / size(h, c))
                for h in hosts_of(ch) for g in fleet[h]["groups"] for c in caches_of(h, ch)]
        rows = dict(sorted(cand, key=lambda r: -r[1])[:k])
    elif title.startswith("VMs' share of each host's L3"):
        rows = {(("instance", h), ("cache", c)): 100.0 * vms_llc(h, c) / host_llc(h, c)
                for h in hosts_of(ch) for c in caches_of(h, ch)}
    elif title.startswith("L3 held per host"):
        who = "host" if ref == "A" else "vms"
        rows = {(("instance", h), ("cache", c)): 100.0 * (host_llc(h, c) if who == "host" else vms_llc(h, c)) / size(h, c)
                for h in hosts_of(ch) for c in caches_of(h, ch)}
    elif title.startswith("Top memory-bandwidth hogs"):
        cand = [((("instance", h), ("virt_resctrl", g)), sum(bw(h, g, c, "total") for c in caches_of(h, ch)))
                for h in hosts_of(ch) for g in fleet[h]["groups"] if caches_of(h, ch)]
        rows = dict(sorted(cand, key=lambda r: -r[1])[:k])
    elif title.startswith("Memory bandwidth of each host's VMs"):
        rows = {(("instance", h),): sum(bw(h, g, c, "total") for g in fleet[h]["groups"] for c in caches_of(h, ch))
                for h in hosts_of(ch) if caches_of(h, ch)}
    else:
        return None
    return rows

checked = 0
choices = [opening()]
choices += [dict(opening(), host=h) for h in HOSTS]
choices += [dict(opening(), cache=c) for c in CACHES]
choices += [dict(opening(), k="5")]
for p in dash["panels"]:
    for t in p["targets"]:
        for ch in choices:
            expr = fill(t["expr"], ch)
            res = api("query", query=expr, time=t_end)["result"]
            want = expected(p["title"], t["refId"], ch)
            checked += 1
            if want is None:
                problems.append("panel %r: the test does not know it" % p["title"])
                break
            keys = {k for row in want for k, _ in row}
            got = {tuple((k, r["metric"].get(k)) for k in sorted(keys)): float(r["value"][1]) for r in res}
            want = {tuple(sorted(row)): v for row, v in want.items()}
            if set(got) != set(want):
                problems.append("panel %r %s with %s: series %s, want %s" % (p["title"], t["refId"], ch, sorted(got), sorted(want)))
                continue
            rel = 0.05 if "bandwidth" in p["title"] else 1e-9
            for row, v in want.items():
                if not near(got[row], v, rel):
                    problems.append("panel %r %s %s: %s, want %s" % (p["title"], t["refId"], row, got[row], v))
print(("checked: %d Prometheus queries of %d panels (failures below)" if problems else
       "ok: %d Prometheus queries of %d panels, each with the series and values it should") % (checked, len(dash["panels"])))

# 4. InfluxDB: the fleet dashboard's InfluxQL, variables filled in as Grafana does (all values,
# as a regex of them), then each single host.
def influx(q):
    url = "http://127.0.0.1:%s/query?%s" % (influx_port, urllib.parse.urlencode({"db": "collectd", "q": q}))
    with opener.open(url, timeout=10) as r:
        res = json.load(r)["results"][0]
    if "error" in res:
        raise SystemExit("FAIL: influxdb: %s: %s" % (q, res["error"]))
    return res.get("series", [])
idash = json.load(open(idash_path))
def ifill(q, ch):
    for name, vals in ch.items():
        q = q.replace("$" + name, "(%s)" % "|".join(re.escape(x) for x in vals))
    return q.replace("$timeFilter", "time > now() - 30s").replace("$__interval", "5s")
ich = {}
for v in idash["templating"]["list"]:
    found = sorted({row[1] for s in influx(ifill(v["query"], ich)) for row in s["values"]})
    if v.get("regex"):
        found = [x for x in found if re.fullmatch(v["regex"].strip("/"), x)]
    ich[v["name"]] = found
if ich != {"host": HOSTS, "cache": ["llc-" + c for c in CACHES]}:
    problems.append("influxdb variables %s, want host %s, cache llc-%s" % (ich, HOSTS, CACHES))
print("ok: influxdb variables %s" % ich)
def last_of(s):
    vals = [row[1] for row in s["values"] if row[1] is not None]
    return vals[-1] if vals else None
def median_of(s):
    vals = sorted(row[1] for row in s["values"] if row[1] is not None)
    return vals[len(vals) // 2] if vals else None
ichecked = 0
for p in idash["panels"]:
    for t in p["targets"]:
        for ch in [ich] + [dict(ich, host=[h]) for h in HOSTS]:
            q = ifill(t["query"], ch)
            series = influx(q)
            ichecked += 1
            hs = [h for h in HOSTS if h in ch["host"]]
            if p["title"].startswith("L3 per VM group"):
                want = {(h, g, "llc-" + c): 100.0 * llc(h, g, c) / size(h, c) for h in hs for g in fleet[h]["groups"] for c in fleet[h]["caches"]}
                got = {(s["tags"]["host"], s["tags"]["instance"], s["tags"]["type_instance"]): last_of(s) for s in series}
                rel = 1e-9
            elif p["title"].startswith("VMs' share of each host's L3"):
                want = {(h, "vms", "llc-" + c): 100.0 * vms_llc(h, c) / size(h, c) for h in hs for c in fleet[h]["caches"]}
                want.update({(h, "host", "llc-" + c): 100.0 * host_llc(h, c) / size(h, c) for h in hs for c in fleet[h]["caches"]})
                got = {(s["tags"]["host"], s["tags"]["instance"], s["tags"]["type_instance"]): last_of(s) for s in series}
                rel = 1e-9
            elif p["title"].startswith("Memory bandwidth per VM group"):
                want = {(h, g, "total-" + c): bw(h, g, c, "total") for h in hs for g in fleet[h]["groups"] for c in fleet[h]["caches"]}
                # The median over the 5 s buckets: the last one is partial, its last value early.
                got = {(s["tags"]["host"], s["tags"]["instance"], s["tags"]["type_instance"]): median_of(s) for s in series}
                rel = 0.05
            else:
                problems.append("influxdb panel %r: the test does not know it" % p["title"])
                break
            if set(got) != set(want) or any(got[k] is None or not near(got[k], v, rel) for k, v in want.items()):
                problems.append("influxdb panel %r with hosts %s: %s, want %s" % (p["title"], hs, sorted(got.items()), sorted(want.items())))
print(("checked: %d InfluxDB queries of %d panels (failures below)" if problems else
       "ok: %d InfluxDB queries of %d panels, each with the series and values it should") % (ichecked, len(idash["panels"])))

for p in problems:
    print("FAIL: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# The wrong password: refused with the central's own words, nothing of it in the csv either.
grep -q 'Verifying HMAC-SHA-256 signature failed: Hash mismatch. Username: fleet-a' "$central/collectd.log" ||
	vr_fail "the central did not log the rogue sender's hash mismatch"
[ ! -e "$CENTRAL_CSV/fleet-rogue" ] || vr_fail "the rogue sender's values reached the central's csv"
vr_log "the sender with a wrong password was refused"

vr_stop_pid "$FEEDER_PID" feeder 5
for h in $HOSTS; do vr_alive "${PID[$h]}" || vr_fail "the collectd of $h died"; done
vr_alive "$CENTRAL_PID" || vr_fail "the central collectd died"
collectd_no_errors "$central/collectd.log" 'Hash mismatch|MHD_OPTION_EXTERNAL_LOGGER is not the first option'
for h in $HOSTS; do collectd_no_errors "$VR_TMP/$h/collectd/collectd.log"; done
echo "PASS: test-fleet ($(($(date +%s) - VR_T0))s)"
