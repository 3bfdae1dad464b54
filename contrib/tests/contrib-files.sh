#!/bin/bash
# SPDX-License-Identifier: MIT
# The contrib extras work as shipped: the Grafana dashboard is JSON whose
# queries use the InfluxDB collectd schema the plugin produces, and the
# Barometer snippet is accepted by a real collectd with the built plugin.
set -eu
: "${VR_SRCDIR:?}" "${VR_BUILDDIR:?}"
dash="$VR_SRCDIR/contrib/grafana/virt_resctrl-influxdb.json"
snippet="$VR_SRCDIR/contrib/barometer/virt_resctrl.conf"
so="$VR_BUILDDIR/src/.libs/virt_resctrl.so"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vr-contrib.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# vr_fail
. "$VR_SRCDIR/tests/support/collectd-run.sh"
for f in "$dash" "$snippet" "$so"; do
  [ -f "$f" ] || vr_fail "$f missing (build first: make)"
done
for tool in python3 collectd unshare; do
  command -v "$tool" >/dev/null || vr_fail "$tool missing: run tests/support/install-deps"
done

python3 -m json.tool "$dash" >/dev/null || vr_fail "$dash is not valid JSON"
echo "ok: dashboard is JSON"
python3 - "$dash" <<'PY' || vr_fail "dashboard queries do not match the schema"
import json, sys
d = json.load(open(sys.argv[1]))
M = '"virt_resctrl_value"'
queries = [t["query"] for p in d["panels"] for t in p["targets"]]
variables = {v["name"]: v["query"] for v in d["templating"]["list"]}
problems = []
if not queries:
    problems.append("no panel queries")
# The host context panels (ReportHost) select instance host and vms, the
# ABMC coverage panel instance host, the others the groups the $instance
# variable picks.
HOSTCTX = '"instance" =~ /^(host|vms)$/'
HOSTONLY = "\"instance\" = 'host'"
for q in queries:
    for need in (M, '"type" = ', "$timeFilter", '"type_instance"'):
        if need not in q:
            problems.append("query lacks %s: %s" % (need, q))
    if '"instance" =~ /^$instance$/' not in q and HOSTCTX not in q and HOSTONLY not in q:
        problems.append("query selects neither $instance nor host|vms nor host: %s" % q)
# ABMC coverage (percent, type_instance mbm-coverage-<cache id>, instance
# host) has a panel of its own; a host percent panel keeps to llc-<cache id>
# so that it does not mix the coverage in.
COV = "\"type_instance\" =~ /^mbm-coverage-/"
if not [q for q in queries if COV in q and HOSTONLY in q and "\"type\" = 'percent'" in q]:
    problems.append("no ABMC coverage panel (percent, type_instance mbm-coverage-, instance host)")
for q in queries:
    if "\"type\" = 'percent'" in q and HOSTCTX in q and "\"type_instance\" =~ /^llc-/" not in q:
        problems.append("host percent query does not keep to llc-<cache id>: %s" % q)
for t in ("bytes", "percent"):
    if not [q for q in queries if HOSTCTX in q and "\"type\" = '%s'" % t in q]:
        problems.append("no host context (host|vms) %s panel" % t)
inst = [v for v in d["templating"]["list"] if v["name"] == "instance"]
if inst and inst[0].get("regex") != "/.+:.+/":
    problems.append("variable instance must keep to domain:group (regex /.+:.+/), not host or vms")
def panels_with(s):
    return [q for q in queries if s in q]
if not panels_with("\"type\" = 'bytes'"):
    problems.append("no occupancy (bytes) panel")
if not panels_with("\"type\" = 'percent'"):
    problems.append("no percent panel")
bw = panels_with("\"type\" = 'memory_bandwidth'")
if not bw or not all("non_negative_derivative(" in q for q in bw):
    problems.append("bandwidth panels must take non_negative_derivative of the counter")
for prefix in ("/^total-/", "/^local-/"):
    if not any(prefix in q for q in bw):
        problems.append("no bandwidth query for type_instance " + prefix)
if "instance" not in variables or M not in variables["instance"] \
        or 'KEY = "instance"' not in variables["instance"]:
    problems.append("no template variable 'instance' over the instance tag")
if "host" in variables and 'KEY = "host"' not in variables["host"]:
    problems.append("template variable 'host' is not over the host tag")
for p in problems:
    print("  " + p, file=sys.stderr)
print("ok: %d queries, variables %s" % (len(queries), sorted(variables)))
sys.exit(1 if problems else 0)
PY

# A real collectd reads the snippet unchanged but for where libvirt and
# resctrl are (no daemon, no RDT needed to check every key and value).
mkdir -p "$tmp/plugins" "$tmp/resctrl"
cp "$so" /usr/lib/collectd/threshold.so /usr/lib/collectd/logfile.so "$tmp/plugins/"
sed -e 's|^\( *Connection\) .*|\1 "test:///default"|' \
  -e "s|^\\( *ResctrlPath\\) .*|\\1 \"$tmp/resctrl\"|" "$snippet" >"$tmp/snippet.conf"
cmp -s "$snippet" "$tmp/snippet.conf" && vr_fail "could not point the snippet at test paths"
# The host's name need not resolve (a fresh machine's often does not, and
# collectd's FQDNLookup then fails the start): the test names the host itself.
cat >"$tmp/collectd.conf" <<CONF
Hostname "vr-test"
FQDNLookup false
BaseDir "$tmp"
PIDFile "$tmp/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
Interval 1
AutoLoadPlugin false
PluginDir "$tmp/plugins"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
Include "$tmp/snippet.conf"
CONF
(
  # A sanitizer build of the plugin needs its runtimes loaded first.
  if ldd "$so" | grep -q libasan; then
    LD_PRELOAD=$(ldd "$so" | awk '/libasan|libubsan/ { print $3 }' | tr '\n' ' ')
    ASAN_OPTIONS=detect_leaks=0
    export LD_PRELOAD ASAN_OPTIONS
  fi
  # ...and proves it: a UTS namespace whose host name cannot resolve (.invalid, RFC 6761).
  exec unshare --uts sh -c 'hostname vr-unresolvable.invalid && exec collectd -C "$1" -T' sh "$tmp/collectd.conf"
) >"$tmp/out" 2>&1 || {
  cat "$tmp/out" >&2
  vr_fail "collectd rejected contrib/barometer/virt_resctrl.conf"
}
if grep -Ei "configuration error|config file failed|unknown config key|plugin_load: .*failed|could not be loaded" "$tmp/out" >&2; then
  vr_fail "collectd complained about contrib/barometer/virt_resctrl.conf"
fi
sed "s/^/  collectd: /" "$tmp/out"
echo "ok: collectd -T accepts the Barometer snippet"
echo "PASS"
