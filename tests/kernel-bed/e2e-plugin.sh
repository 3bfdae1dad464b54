#!/bin/bash
# The plugin end to end against Linux's own resctrl, inside the kernel bed's
# guest: a real collectd loads the built virt_resctrl.so; domains and their
# metadata come from libvirt's test driver (test:///FILE: nested TCG guests
# would be far too slow); each domain's "QEMU" is kbed-load --vcpus N, whose
# threads are named "CPU n/KVM", pinned one per CPU, its pid in
# LibvirtRunPath/NAME.pid.  The counters move only when a vCPU thread moves
# them, from inside the group the plugin put it in.  Asserts: groups under
# the right parent (g2's under a CTRL_MON group made as libvirt's cachetune
# makes it), exact thread ids in tasks, the injected values in collectd's
# csv, percent of the guest's L3, a foreign MON group in the way, and
# shutdown removing every group of ours.
#   run-in-guest -- tests/kernel-bed/e2e-plugin.sh   (from the build tree)
set -eu
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/chain-lib.sh"
LOAD=$VR_BUILDDIR/tests/kernel-bed/kbed-load
EMU_MNT=/sys/fs/resctrl # chain-lib's readers look here
[ "$(stat -f -c %t "$EMU_MNT")" = 7655821 ] ||
	vr_fail "$EMU_MNT is not the kernel's resctrl: run in the bed (run-in-guest)"
[ -x "$LOAD" ] || vr_fail "$LOAD is not built (make check)"

vr_setup
RUN=$VR_TMP/run
mkdir -p "$RUN"
u1=11111111-2222-3333-4444-000000000001
u2=11111111-2222-3333-4444-000000000002
cat >"$VR_TMP/node.xml" <<EOF
<node>
  <domain type='test'>
    <name>g1</name><uuid>$u1</uuid>
    <memory unit='MiB'>64</memory><vcpu>4</vcpu>
    <metadata><resmon xmlns="$NS"><group vcpus="0-1"/><group name="db" vcpus="2,3"/></resmon></metadata>
    <os><type>hvm</type></os>
  </domain>
  <domain type='test'>
    <name>g2</name><uuid>$u2</uuid>
    <memory unit='MiB'>64</memory><vcpu>2</vcpu>
    <metadata><resmon xmlns="$NS"><group name="web" vcpus="0-1"/></resmon></metadata>
    <os><type>hvm</type></os>
  </domain>
</node>
EOF

# fake QEMU NAME NVCPUS: its vCPU threads act on lines written to NAME.in
declare -A QPID
fake_qemu() {
	mkfifo "$VR_TMP/$1.in"
	"$LOAD" --vcpus "$2" <"$VR_TMP/$1.in" >"$VR_TMP/$1.out" 2>&1 &
	QPID[$1]=$!
	vr_on_cleanup "kill ${QPID[$1]} 2>/dev/null || true"
	exec {fd}>"$VR_TMP/$1.in"
	eval "Q_$1=$fd"
	vr_wait_file "$VR_TMP/$1.out" 10 || vr_fail "fake QEMU $1 did not start"
	grep -qx ready "$VR_TMP/$1.out" || vr_fail "fake QEMU $1: $(cat "$VR_TMP/$1.out")"
	echo "${QPID[$1]}" >"$RUN/$1.pid"
}
# answers NAME N: the fake QEMU NAME has answered more than N lines
answers() { [ "$(grep -c '^done\|^failed' "$VR_TMP/$1.out")" -gt "$2" ]; }
# vcpu NAME I ACTION...: vCPU thread I of NAME runs the actions
vcpu() {
	local name=$1 i=$2 fd n
	shift 2
	fd=Q_$name
	n=$(grep -c '^done\|^failed' "$VR_TMP/$name.out" || true)
	echo "$i $*" >&"${!fd}"
	until_true 10 answers "$name" "$n" ||
		vr_fail "vCPU $i of $name did not answer"
	tail -n 1 "$VR_TMP/$name.out" | grep -qx "done $i" ||
		vr_fail "vCPU $i of $name: $(tail -n 3 "$VR_TMP/$name.out")"
}
# tids NAME I...: the thread ids of those vCPUs, found by name, sorted
tids() {
	local name=$1 i t
	shift
	for i in "$@"; do
		for t in /proc/"${QPID[$name]}"/task/*; do
			[ "$(cat "$t/comm")" = "CPU $i/KVM" ] && echo "${t##*/}"
		done
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}
gtasks() { sort -n "$EMU_MNT/$1/tasks" | tr '\n' ' ' | sed 's/ $//'; }
tasks_are() { [ "$(gtasks "$1")" = "$2" ]; }

fake_qemu g1 4
fake_qemu g2 2
# g2's vCPUs sit in a CTRL_MON group as libvirt's <cachetune> makes one
# (qemu-<id>-<name>-vcpus_<list>, virResctrlAllocCreate): its MON group must
# be made under it.
C1=qemu-2-g2-vcpus_0-1
mkdir "$EMU_MNT/$C1"
vr_on_cleanup "rmdir $EMU_MNT/$C1 2>/dev/null || true"
for t in $(tids g2 0 1); do echo "$t" >"$EMU_MNT/$C1/tasks"; done
# a foreign MON group (as pqos makes) holding one of g1's threads: the plugin
# warns, never touches it, and makes that group once the foreign one is gone
mkdir "$EMU_MNT/mon_groups/foreign"
tids g1 0 | tr ' ' '\n' >"$EMU_MNT/mon_groups/foreign/tasks"

cd_dir=$VR_TMP/collectd
CSV_DIR=$cd_dir/csv
collectd_conf -p -i 1 "$cd_dir" <<EOF
LoadPlugin csv
<Plugin csv>
  DataDir "$CSV_DIR"
</Plugin>
<Plugin virt_resctrl>
  Connection "test://$VR_TMP/node.xml"
  ResctrlPath "$EMU_MNT"
  LibvirtRunPath "$RUN"
  RefreshInterval 1
</Plugin>
EOF
collectd_start "$cd_dir"
log=$cd_dir/collectd.log

# 1. groups under the right parent, exactly the vCPU threads in tasks
g1a=mon_groups/vr_${u1}_vcpus_0,1 g1b=mon_groups/vr_${u1}_db g2a=$C1/mon_groups/vr_${u2}_web
want=$(printf '%s\n' "$g2a" "$g1b" | sort)
groups_ok() { [ "$(our_groups)" = "$want" ]; }
until_true 20 groups_ok ||
	vr_fail "groups: '$(our_groups | tr '\n' ' ')', want '$(echo "$want" | tr '\n' ' ')'; log: $(tail -n 20 "$log")"
vr_wait_log "$log" "WARNING.*g1.*foreign|foreign.*g1" 10 ||
	vr_fail "no conflict warning naming g1 and the foreign group: $(tail -n 20 "$log")"
[ -d "$EMU_MNT/mon_groups/foreign" ] || vr_fail "the foreign MON group was removed"
vr_log "a foreign MON group holding vCPU 0 of g1: warned, left alone"
rmdir "$EMU_MNT/mon_groups/foreign"
want=$(printf '%s\n' "$g2a" "$g1b" "$g1a" | sort)
until_true 20 groups_ok ||
	vr_fail "groups after the foreign one went: '$(our_groups | tr '\n' ' ')'; log: $(tail -n 20 "$log")"
until_true 10 tasks_are "$g1a" "$(tids g1 0 1)" ||
	vr_fail "$g1a tasks '$(gtasks "$g1a")', want '$(tids g1 0 1)'"
until_true 10 tasks_are "$g1b" "$(tids g1 2 3)" ||
	vr_fail "$g1b tasks '$(gtasks "$g1b")', want '$(tids g1 2 3)'"
until_true 10 tasks_are "$g2a" "$(tids g2 0 1)" ||
	vr_fail "$g2a tasks '$(gtasks "$g2a")', want '$(tids g2 0 1)'"
vr_log "groups: $(our_groups | tr '\n' ' ')hold exactly their vCPU threads"

# 2. values from the vCPU threads themselves.  vCPU i runs on CPU i mod 4:
# CPUs 0,1 share L3 0, CPUs 2,3 L3 1 (-smp 4,sockets=2).
L3=$(($(sed 's/K$//' /sys/devices/system/cpu/cpu0/cache/index3/size) * 1024))
vcpu g1 0 occupancy=1048576 bandwidth=640000
vcpu g1 2 occupancy=2097152 total=64000
vcpu g1 3 local=6400
vcpu g2 1 occupancy=524288 bandwidth=128000
check() { # INSTANCE SERIES VALUE
	local f
	f=$(csv_file "$1" "$2")
	csv_wait_value "$f" "$3" 15 || vr_fail "csv: $f ends in '$(csv_last "$f")', want $3"
}
check "g1:vcpus_0,1" bytes-llc-0 1048576
check "g1:vcpus_0,1" memory_bandwidth-total-0 640000
check "g1:vcpus_0,1" memory_bandwidth-local-0 640000
check "g1:vcpus_0,1" bytes-llc-1 0
check g1:db bytes-llc-1 2097152
check g1:db memory_bandwidth-total-1 64000
check g1:db memory_bandwidth-local-1 6400
check g2:web bytes-llc-0 524288
check g2:web memory_bandwidth-total-0 128000
pct=$(awk -v b=2097152 -v s="$L3" 'BEGIN { printf "%.6f", b * 100 / s }')
check g1:db percent-llc-1 "$pct"
vr_log "csv: the values the vCPU threads made, percent of the guest's $L3-byte L3"

# 3. shutdown removes every group of ours, and only ours
chain_stop_clean
[ -d "$EMU_MNT/$C1" ] || vr_fail "libvirt's CTRL_MON group was removed"
no_sanitizer_report "$log"
vr_log "collectd stopped: no group of ours left, libvirt's $C1 kept"
echo "ok - plugin end to end on $(uname -r)"
