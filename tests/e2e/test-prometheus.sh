#!/bin/bash
# SPDX-License-Identifier: MIT
# Prometheus (doc/design.md, "collectd interface"): a real collectd loads the built virt_resctrl.so
# against a private libvirtd running two QEMU guests with metadata and the resctrl emulator (cache
# ids 0 and 8), and exposes the values with collectd's write_prometheus on loopback; a real
# Prometheus server (Debian's, its own process on 127.0.0.1, stopped by pid) scrapes it every
# second. Through Prometheus's HTTP API:
# - every series is there, exactly, with its labels (virt_resctrl = <domain>:<group>, type =
#   llc-/total-/local-<cache id>, instance = collectd's host, job), gauges with the values set;
# - rate() of each memory_bandwidth counter gives the bytes/s a feeder adds to the emulator's
#   mbm_total_bytes / mbm_local_bytes (within 5 %: the feeder sets the counters every 0.05 s, and a
#   read's timestamp is when collectd dispatched it, so both ends of the 10 s window may be a little
#   late: 0.04 to 1.4 % off on the loaded 2-core development machine, ASan build included);
# - every PromQL expression of contrib/grafana/virt_resctrl-prometheus.json (panels and template
#   variables, with Grafana's variables filled in as Grafana would) returns data: the series each
#   should, with the values they should (L3 size, per-VM sums, rates);
# - the host context (ReportHost, default true): "host" and "vms" series beside the groups', exact
#   occupancy (the root's own RMID set too), vms counters at the sum of the groups' rates, and the
#   dashboard's host-share panels;
# - ABMC (doc/design.md, "ABMC counters", Linux 6.18 on AMD; the emulator's --abmc-counters): cache
#   0 has a counter for every event of our groups, cache 8 for 4 of their 6, so g1's unprioritised
#   group has no bandwidth on cache 8 (no series at all, never a zero) and the dashboards' "MBM
#   counter coverage" panel gives exactly 100 and 66.666667 %;
# - the same collectd also sends to a private InfluxDB (network plugin): every query of
#   contrib/grafana/virt_resctrl-influxdb.json returns data there, its coverage panel the same exact
#   values per cache id.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"
. "$VR_SRCDIR/tests/support/prometheus.sh"
. "$VR_SRCDIR/tests/support/influxdb.sh"

dash=$VR_SRCDIR/contrib/grafana/virt_resctrl-prometheus.json
[ -f "$dash" ] || vr_fail "$dash is missing"
idash=$VR_SRCDIR/contrib/grafana/virt_resctrl-influxdb.json
[ -f "$idash" ] || vr_fail "$idash is missing"
[ -f "$COLLECTD_STOCK_PLUGINDIR/write_prometheus.so" ] || vr_fail "collectd's write_prometheus.so is missing (collectd-core)"

chain_setup
influxdb_start "$VR_TMP/influx"
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
L3_0=33554432 L3_8=16777216
# --perf-pkg 0,1: PERF_PKG telemetry (doc/design.md, "The metric table") on packages 0 and 1, for
# the power panel.
# --abmc-counters 8 (doc/design.md, "ABMC counters"), for the coverage panel: 8 assignable counters
# per L3 domain, of which the default group holds 2 from the mount (mbm_assign_on_mkdir). A MON
# group that is not ours ("other") holds 2 more on cache 8 only: it gets both events on both domains
# at mkdir and gives cache 0's back. Our 3 groups want 2 events each: cache 0 has 6 free (coverage
# 100 %), cache 8 has 4. db and web say mbm="high", so they hold cache 8's 4 whatever order the
# plugin made the groups in (a tie among the rest would go by directory name, which holds the random
# domain UUIDs), and g1:vcpus_0,1 has none there: coverage 4/6 = 66.666667 %.
chain_emu_start 0,8 "$L3_0,$L3_8" --perf-pkg 0,1 --abmc-counters 8
mkdir "$EMU_MNT/mon_groups/other"
printf 'mbm_total_bytes:0=_\n' >"$EMU_MNT/mon_groups/other/mbm_L3_assignments"
printf 'mbm_local_bytes:0=_\n' >"$EMU_MNT/mon_groups/other/mbm_L3_assignments"
# Its occupancy is in the root's files (a CTRL_MON group reads its MON groups too): none, so that
# "host" stays the root's own RMID plus ours.
emu_ctl "mon_groups/other 0 llc_occupancy 0" "mon_groups/other 8 llc_occupancy 0"
[ "$(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs")" = "0=6;8=4" ] ||
	vr_fail "available_mbm_cntrs: $(cat "$EMU_MNT/info/L3_MON/available_mbm_cntrs"), want 0=6;8=4"
lv_define_guest g1 4 4 "<resmon xmlns=\"$NS\"><group vcpus=\"0-1\"/><group name=\"db\" vcpus=\"2,3\" mbm=\"high\"/></resmon>"
lv_define_guest g2 2 2 "<resmon xmlns=\"$NS\"><group name=\"web\" vcpus=\"0-1\" mbm=\"high\"/></resmon>"
lv_start_guest g1
lv_start_guest g2
u1=$(dom_uuid g1) u2=$(dom_uuid g2)

wp_port=$(vr_free_port tcp)
cd_dir=$VR_TMP/collectd
collectd_conf -p -i 1 "$cd_dir" <<EOF
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$wp_port"
</Plugin>
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "$INFLUX_COLLECTD_PORT"
</Plugin>
$(chain_plugin_block '  RefreshInterval 1')
EOF
collectd_start "$cd_dir"
want_groups=$(printf '%s\n' "mon_groups/vr_${u1}_db" "mon_groups/vr_${u1}_vcpus_0,1" "mon_groups/vr_${u2}_web" | sort)
groups_as_wanted() { [ "$(our_groups)" = "$want_groups" ]; }
until_true 10 groups_as_wanted || vr_fail "groups in the emulator: '$(our_groups | tr '\n' ' ')'"
vr_log "groups: $(our_groups | tr '\n' ' ')"
# ABMC: db and web (mbm="high") hold counters on both caches, g1's other group on cache 0 only.
all_e=$(printf 'mbm_total_bytes:0=e;8=e\nmbm_local_bytes:0=e;8=e')
only_0=$(printf 'mbm_total_bytes:0=e;8=_\nmbm_local_bytes:0=e;8=_')
assigned_is() { [ "$(cat "$EMU_MNT/mon_groups/vr_$1/mbm_L3_assignments")" = "$2" ]; }
until_true 10 assigned_is "${u1}_vcpus_0,1" "$only_0" ||
	vr_fail "g1:vcpus_0,1 assignments '$(cat "$EMU_MNT/mon_groups/vr_${u1}_vcpus_0,1/mbm_L3_assignments")', want '$only_0'"
for g in "${u1}_db" "${u2}_web"; do
	assigned_is "$g" "$all_e" ||
		vr_fail "$g assignments '$(cat "$EMU_MNT/mon_groups/vr_$g/mbm_L3_assignments")', want '$all_e'"
done
vr_log "ABMC: db and web hold counters on caches 0 and 8, g1:vcpus_0,1 on cache 0 only"

# Group k (1..3), cache id c: occupancy k MiB (+ 512 KiB on cache 8); the counters grow at
# k x 100 MB/s + c MB/s (total) and k x 10 MB/s + c x 100 kB/s (local); core_energy on package
# p grows at k + p/2 W (Joules with six fraction digits, as the kernel prints them).
groups="g1:vcpus_0,1 g1:db g2:web"
ctl_path() { case $1 in g1:*) echo "mon_groups/vr_${u1}_${1#g1:}" ;; g2:*) echo "mon_groups/vr_${u2}_${1#g2:}" ;; esac }
k=0
for g in $groups; do
	k=$((k + 1))
	for c in 0 8; do
		emu_ctl "$(ctl_path "$g") $c llc_occupancy $((k * 1048576 + (c == 8 ? 524288 : 0)))"
	done
done
# The root group's own RMID (the rest of the host): 4 MiB, 8 MiB on cache 8.
emu_ctl ". 0 llc_occupancy 4194304" ". 8 llc_occupancy 8388608"

# The feeder: every 0.05 s, each counter = its rate x the time since the feeder started (bash's
# EPOCHREALTIME, in microseconds), through one open descriptor on the emulator's control FIFO. No
# command substitution in the loop: a fork per line would make the values late on a busy machine.
feeder() {
	local t0 dt k c p e pk paths=()
	for g in $groups; do paths+=("$(ctl_path "$g")"); done
	exec 3>"$EMU_CTL"
	t0=${EPOCHREALTIME/./}
	while :; do
		dt=$((${EPOCHREALTIME/./} - t0))
		for k in 1 2 3; do
			p=${paths[k - 1]}
			for c in 0 8; do
				printf '%s %s mbm_total_bytes %s\n%s %s mbm_local_bytes %s\n' \
					"$p" $c $(((k * 100000000 + c * 1000000) * dt / 1000000)) \
					"$p" $c $(((k * 10000000 + c * 100000) * dt / 1000000)) >&3
			done
			for pk in 0 1; do
				e=$(((k * 1000000 + pk * 500000) * dt / 1000000))
				printf '%s pkg:%s core_energy %d.%06d\n' "$p" $pk $((e / 1000000)) $((e % 1000000)) >&3
			done
		done
		sleep 0.05
	done
}
feeder &
FEEDER_PID=$!
# shellcheck disable=SC2016 # expanded when the cleanup runs: the feeder may be stopped already
vr_on_cleanup 'vr_stop_pid "$FEEDER_PID" feeder 5'

prometheus_start "$VR_TMP/prometheus" "127.0.0.1:$wp_port"
# 12 s of one-second samples of every counter, so that a 10 s rate() window is full.
# ABMC: g1:vcpus_0,1 has no counter on cache 8, so 10 of the groups' 12 counters exist.
prom_wait_value 60 'count(count_over_time(collectd_virt_resctrl_memory_bandwidth_total[12s]) >= 11)' 18 ||
	vr_fail "prometheus has no 12 s of samples of the 18 counters (10 of the groups, 8 of host and vms)"
vr_log "prometheus holds 12 s of samples of every counter"

# Everything else is asked of the HTTP API by one program, which prints what it checked.
"$VR_PYTHON" - "$PROM_PORT" "$dash" "$COLLECTD_HOST" "$L3_0" "$L3_8" "$INFLUX_HTTP_PORT" "$idash" <<'PY' || vr_fail "see above"
import json, os, re, sys, urllib.parse, urllib.request

port, dash_path, host, l3_0, l3_8 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
influx_port, idash_path = sys.argv[6], sys.argv[7]
size = {"0": l3_0, "8": l3_8}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
problems = []

sys.path.insert(0, os.environ["VR_SRCDIR"] + "/tests/support")
import prom_api
from prom_api import near

def api(path, **args):
    return prom_api.api(port, path, **args)

# What was set: group k, cache c.
groups = {"g1:vcpus_0,1": 1, "g1:db": 2, "g2:web": 3}
def llc(k, c): return k * 1048576 + (524288 if c == "8" else 0)
# The host context: vms is the sum of the groups, host adds the root's own RMID.
def root_llc(c): return 8388608 if c == "8" else 4194304
def vms_llc(c): return sum(llc(k, c) for k in groups.values())
def scope_llc(scope, c): return vms_llc(c) + (root_llc(c) if scope == "host" else 0)
def rate_of(kind, k, c):
    c = int(c)
    return k * 100000000 + c * 1000000 if kind == "total" else k * 10000000 + c * 100000
# ABMC: 8 counters per L3 domain, of which the default group holds 2 and "other" 2 more on cache 8;
# our groups want 2 events each. Coverage per cache id: events counted / events wanted. db and web
# (mbm="high") are served first: g1:vcpus_0,1 is the group without counters where they run short.
free = {"0": 8 - 2, "8": 8 - 2 - 2}
wanted = 2 * len(groups)
coverage = {c: 100.0 * min(free[c], wanted) / wanted for c in free}
def counted(g, c): return g != "g1:vcpus_0,1" or free[c] >= wanted

# 1. Every series, with exactly its labels.
want = set()
for g in list(groups) + ["host", "vms"]:
    for c in ("0", "8"):
        for name, t in (("bytes", "llc"), ("percent", "llc"),
                        ("memory_bandwidth_total", "total"), ("memory_bandwidth_total", "local")):
            if name.startswith("memory_bandwidth") and not counted(g, c):
                continue  # ABMC: no counter, no series (never a zero)
            want.add((("__name__", "collectd_virt_resctrl_" + name), ("instance", host), ("job", "collectd"),
                      ("type", "%s-%s" % (t, c)), ("virt_resctrl", g)))
    for pk in ("0", "1"):
        for name in ("energy", "power"):
            want.add((("__name__", "collectd_virt_resctrl_" + name), ("instance", host), ("job", "collectd"),
                      ("type", "core-%s" % pk), ("virt_resctrl", g)))
# ABMC coverage: percent of plugin_instance host, one per cache id.
for c in ("0", "8"):
    want.add((("__name__", "collectd_virt_resctrl_percent"), ("instance", host), ("job", "collectd"),
              ("type", "mbm-coverage-%s" % c), ("virt_resctrl", "host")))
got = {tuple(sorted(s.items())) for s in api("series", **{"match[]": '{__name__=~"collectd_virt_resctrl_.+"}'})}
if got != want:
    problems.append("series: missing %s, unexpected %s" % (sorted(want - got), sorted(got - want)))
print("ok: %d series, labels __name__, instance, job, type, virt_resctrl" % len(got))

# The evaluation time: the newest sample, so that a rate() window ends on one.
t_end = api("query", query="max(timestamp(collectd_virt_resctrl_memory_bandwidth_total))")["result"][0]["value"][1]

# 2. The gauges hold what was set.
for r in api("query", query='{__name__=~"collectd_virt_resctrl_(bytes|percent)", type=~"llc-.+"}', time=t_end)["result"]:
    m = r["metric"]
    c = m["type"].split("-")[1]
    b = scope_llc(m["virt_resctrl"], c) if m["virt_resctrl"] in ("host", "vms") else llc(groups[m["virt_resctrl"]], c)
    want_v = b if m["__name__"].endswith("bytes") else b * 100.0 / size[c]
    if not near(float(r["value"][1]), want_v, 1e-9):
        problems.append("%s %s = %s, want %s" % (m["__name__"], m, r["value"][1], want_v))
print("ok: bytes and percent as set (percent of %d / %d bytes), host = root + groups, vms = groups" % (l3_0, l3_8))
res = api("query", query='collectd_virt_resctrl_percent{type=~"mbm-coverage-.+"}', time=t_end)["result"]
got_cov = {r["metric"]["type"].split("-")[-1]: float(r["value"][1]) for r in res}
if len(res) != 2 or set(got_cov) != set(coverage) or any(not near(got_cov[c], coverage[c], 1e-6) for c in coverage):
    problems.append("coverage %s, want %s" % (got_cov, coverage))
print("ok: MBM counter coverage %s" % got_cov)

# 3. rate() of the counters is the bytes/s the feeder adds.
res = api("query", query="rate(collectd_virt_resctrl_memory_bandwidth_total[10s])", time=t_end)["result"]
worst = 0.0
vms_rate = {}
for r in res:
    m = r["metric"]
    kind, c = m["type"].split("-")
    got_v = float(r["value"][1])
    if m["virt_resctrl"] == "host":
        continue  # the root's own counters are the emulator's synthetic ones
    if m["virt_resctrl"] == "vms":
        want_v = sum(rate_of(kind, k, c) for g, k in groups.items() if counted(g, c))
        vms_rate[m["type"]] = got_v
    else:
        want_v = rate_of(kind, groups[m["virt_resctrl"]], c)
    worst = max(worst, abs(got_v - want_v) / want_v)
    if not near(got_v, want_v, 0.05):
        problems.append("rate of %s %s = %.0f B/s, want %d" % (m["virt_resctrl"], m["type"], got_v, want_v))
if len(res) != 18:
    problems.append("rate() gave %d series, want 18 (ABMC: no g1:vcpus_0,1 on cache 8)" % len(res))
for r in res:
    m = r["metric"]
    if m["virt_resctrl"] == "host" and float(r["value"][1]) < 0.95 * vms_rate.get(m["type"], 0):
        problems.append("rate of host %s = %s B/s, below vms's %s" % (m["type"], r["value"][1], vms_rate.get(m["type"])))
print("ok: rate() of %d counters within %.2f %% of the injected bytes/s" % (len(res), worst * 100))

# 3b. Power (doc/design.md, "The metric table"): each group's Watts per package, as the feeder's
# energy grows. One read's energy may be up to a feeder step (0.05 s) and a late read old on a
# loaded machine: 25 %.
def watts(k, pkg): return k + 0.5 * int(pkg)
# The host context's power is its members' energy summed, over time: the root group reads its
# own RMID (no energy set here) plus the three groups, so host and vms both give their sum.
def scope_watts(scope, pkg):
    if scope in ("host", "vms"):
        return sum(watts(k, pkg) for k in groups.values())
    return watts(groups[scope], pkg)
res = api("query", query="collectd_virt_resctrl_power", time=t_end)["result"]
for r in res:
    m = r["metric"]
    want_v = scope_watts(m["virt_resctrl"], m["type"].split("-")[1])
    if not near(float(r["value"][1]), want_v, 0.25):
        problems.append("power of %s %s = %s W, want %s" % (m["virt_resctrl"], m["type"], r["value"][1], want_v))
if len(res) != 10:
    problems.append("power gave %d series, want 10 (6 group-packages, host and vms on 2 packages)" % len(res))
print("ok: power of %d series (group-packages, host, vms) near the injected Watts" % len(res))

# 4. The dashboard: every template variable and every panel expression, as Grafana would run them.
dash = json.load(open(dash_path))
all_of = {v["name"]: v.get("allValue", ".+") for v in dash["templating"]["list"]}
values = {}
for v in dash["templating"]["list"]:
    q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q)
    if not m:
        problems.append("variable %s: not label_values(...): %s" % (v["name"], q))
        continue
    # Earlier variables at "All" (their allValue), as the dashboard opens.
    expr = q
    for name in values:
        expr = expr.replace("$" + name, all_of[name])
    sel, label = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", expr).groups()
    found = sorted({s[label] for s in api("series", **{"match[]": sel}) if label in s})
    if v.get("regex"):
        rx = re.compile(v["regex"].strip("/"))
        found = sorted({rx.fullmatch(x).group(1) for x in found if rx.fullmatch(x)})
    values[v["name"]] = found
    print("ok: variable %s = %s" % (v["name"], found))
want_vars = {"host": [host], "group": sorted(groups), "cache": ["0", "8"]}
if values != want_vars:
    problems.append("variables %s, want %s" % (values, want_vars))

# The number of series each panel target must return (its values: value_problem).
expect = {
    # 3 and 4: 5 group-caches, not 6 (ABMC: no counter for g1:vcpus_0,1 on cache 8); 9: coverage
    (1, "A"): 3, (1, "B"): 1, (2, "A"): 6, (3, "A"): 5, (4, "A"): 5, (5, "A"): 4,
    (6, "A"): 1, (6, "B"): 1, (6, "C"): 1, (7, "A"): 2, (8, "A"): 6, (9, "A"): 2,
}
def value_problem(pid, ref, cache, r):
    m, v = r["metric"], float(r["value"][1])
    if (pid, ref) == (1, "A"):
        want_v = llc(groups[m["virt_resctrl"]], cache)
    elif (pid, ref) in ((1, "B"), (6, "C")):
        want_v = size[cache]
    elif (pid, ref) == (6, "A"):
        want_v = vms_llc(cache)
    elif (pid, ref) == (6, "B"):
        want_v = root_llc(cache)
    elif pid == 7:
        want_v = 100.0 * vms_llc(m["cache"]) / scope_llc("host", m["cache"])
    elif pid == 2:
        want_v = llc(groups[m["virt_resctrl"]], m["cache"]) * 100.0 / size[m["cache"]]
    elif pid in (3, 4):
        want_v = rate_of("total" if pid == 3 else "local", groups[m["virt_resctrl"]], m["cache"])
        return None if near(v, want_v, 0.05) else "%.0f, want %d" % (v, want_v)
    elif pid == 8:
        want_v = watts(groups[m["virt_resctrl"]], m["pkg"])
        return None if near(v, want_v, 0.25) else "%s W, want %s" % (v, want_v)
    elif pid == 9:
        want_v = coverage.get(m.get("cache"))
        if want_v is None or m["virt_resctrl"] != "host":
            return "not the coverage of a cache id of host"
        return None if near(v, want_v, 1e-6) else "%s, want %s" % (v, want_v)
    else:
        want_v = sum(llc(k, m["cache"]) for g, k in groups.items() if g.split(":")[0] == m["domain"])
    return None if near(v, want_v, 1e-9) else "%s, want %s" % (v, want_v)

n_queries = 0
for p in dash["panels"]:
    caches = values["cache"] if p.get("repeat") == "cache" else [all_of["cache"]]
    for t in p["targets"]:
        for cache in caches:
            expr = t["expr"].replace("$__rate_interval", "10s").replace("$host", all_of["host"]) \
                .replace("$group", all_of["group"]).replace("$cache", cache)
            res = api("query", query=expr, time=t_end)["result"]
            n_queries += 1
            want_n = expect.get((p["id"], t["refId"]))
            if not res:
                problems.append("panel %d %s returns no data: %s" % (p["id"], t["refId"], expr))
            elif want_n is not None and len(res) != want_n:
                problems.append("panel %d %s returns %d series, want %d: %s" % (p["id"], t["refId"], len(res), want_n, expr))
            for r in res:
                why = value_problem(p["id"], t["refId"], cache, r)
                if why:
                    problems.append("panel %d %s %s: %s" % (p["id"], t["refId"], r["metric"], why))
if set(expect) != {(p["id"], t["refId"]) for p in dash["panels"] for t in p["targets"]}:
    problems.append("the test knows panels %s, the dashboard has %s" % (
        sorted(expect), sorted((p["id"], t["refId"]) for p in dash["panels"] for t in p["targets"])))
print("ok: %d dashboard queries returned the series and values they should" % n_queries)

# 5. InfluxDB (the same collectd's network plugin): every query of its dashboard, with Grafana's
# variables filled in as the dashboard opens (all values, as the regex Grafana makes of them),
# returns the series it should; the coverage panel the exact coverage per cache id.
def influx(q):
    url = "http://127.0.0.1:%s/query?%s" % (influx_port, urllib.parse.urlencode({"db": "collectd", "q": q}))
    with opener.open(url, timeout=10) as r:
        res = json.load(r)["results"][0]
    if "error" in res:
        raise SystemExit("FAIL: influxdb: %s: %s" % (q, res["error"]))
    return res.get("series", [])
idash = json.load(open(idash_path))
ivalues = {}
for v in idash["templating"]["list"]:
    q = v["query"]
    for name, vals in ivalues.items():
        q = q.replace("$" + name, "(%s)" % "|".join(re.escape(x) for x in vals))
    found = sorted({row[1] for s in influx(q) for row in s["values"]})
    if v.get("regex"):
        found = [x for x in found if re.fullmatch(v["regex"].strip("/"), x)]
    ivalues[v["name"]] = found
    print("ok: influxdb variable %s = %s" % (v["name"], found))
if ivalues != {"host": [host], "instance": sorted(groups)}:
    problems.append("influxdb variables %s, want host %s and instance %s" % (ivalues, host, sorted(groups)))
# Series per panel (by host, instance, type_instance): 3 and 4 have 5 group-caches, not 6 (ABMC:
# no counter for g1:vcpus_0,1 on cache 8); 6 keeps to llc-<id> beside the coverage of host.
iexpect = {1: 6, 2: 6, 3: 5, 4: 5, 5: 4, 6: 4, 7: 6, 8: 2}
if set(iexpect) != {p["id"] for p in idash["panels"]}:
    problems.append("the test knows influxdb panels %s, the dashboard has %s" % (
        sorted(iexpect), sorted(p["id"] for p in idash["panels"])))
n_queries = 0
for p in idash["panels"]:
    for t in p["targets"]:
        q = t["query"].replace("$timeFilter", "time > now() - 60s").replace("$__interval", "2s")
        for name, vals in ivalues.items():
            q = q.replace("$" + name, "(%s)" % "|".join(re.escape(x) for x in vals))
        series = influx(q)
        n_queries += 1
        if len(series) != iexpect.get(p["id"]):
            problems.append("influxdb panel %d returns %d series, want %s: %s %s" % (
                p["id"], len(series), iexpect.get(p["id"]), q, sorted(str(s.get("tags")) for s in series)))
        for s in series if p["id"] == 8 else []:
            last = [row[1] for row in s["values"] if row[1] is not None][-1:]
            c = s["tags"]["type_instance"].split("-")[-1]
            if s["tags"].get("host") != host or c not in coverage or not last or not near(last[0], coverage[c], 1e-9):
                problems.append("influxdb coverage %s = %s, want %s" % (s["tags"], last, coverage.get(c)))
print("ok: %d influxdb dashboard queries returned the series they should, coverage %s" % (n_queries, coverage))

for p in problems:
    print("FAIL: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

vr_stop_pid "$FEEDER_PID" feeder 5
FEEDER_PID=
chain_stop_clean
# write_prometheus of collectd 5.12 hands libmicrohttpd its logger after other options, which
# libmicrohttpd (0.9.71 on) reports through that very logger at error level; nothing fails.
collectd_no_errors "$cd_dir/collectd.log" 'write_prometheus plugin: MHD_OPTION_EXTERNAL_LOGGER is not the first option'
echo "PASS: test-prometheus"
