#!/bin/bash
# SPDX-License-Identifier: MIT
# The plugin end to end against Linux's own resctrl, inside the kernel bed's
# guest: a real collectd loads the built virt_resctrl.so; domains and their
# metadata come from libvirt's test driver (test:///FILE: nested TCG guests
# would be far too slow); each domain's "QEMU" is kbed-load --vcpus N, whose
# threads are named "CPU n/KVM", pinned one per CPU, its pid in
# LibvirtRunPath/NAME.pid.  The counters move only when a vCPU thread moves
# them, from inside the group the plugin put it in.  Asserts: groups under
# the right parent (g2's under a CTRL_MON group made as libvirt's cachetune
# makes it), exact thread ids in tasks, the injected values in collectd's
# csv, percent of the guest's L3, a foreign MON group in the way,
# Unavailable/Error words skipped (never a zero), collectd killed with
# SIGKILL and its groups adopted by the next one, ENOSPC and EBUSY (limbo)
# from the kernel's own RMID allocator each warned once and recovered from,
# and shutdown removing every group of ours.
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

# fake QEMU NAME NVCPUS UUID: its vCPU threads act on lines written to NAME.in;
# its command line carries "-uuid UUID" as libvirt's QEMU does (the plugin
# checks it before it touches a thread of the pid file's process)
declare -A QPID
fake_qemu() {
	mkfifo "$VR_TMP/$1.in"
	"$LOAD" --vcpus "$2" -uuid "$3" <"$VR_TMP/$1.in" >"$VR_TMP/$1.out" 2>&1 &
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

fake_qemu g1 4 "$u1"
fake_qemu g2 2 "$u2"
# g2's vCPUs sit in a CTRL_MON group another tool made (an allocation of
# pqos's or an operator's): its MON group must be made under it. Not named
# as libvirt names its <cachetune> groups (qemu-<id>-<name>-vcpus_<list>):
# a metadata group with exactly the vCPUs of such a group reads libvirt's
# group instead (doc/design.md, "libvirt's own monitors",
# tests/e2e/test-libvirt-monitors.sh).
C1=cat_g2
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

# Notifications as the logfile plugin writes them (fault-lib.sh's helpers,
# without its libvirtd).
note_re() { echo "Notification: severity = $1, host = $COLLECTD_HOST, plugin = virt_resctrl, plugin_instance = $2, message = "; }
notes() { grep -cF "$(note_re "$1" "$2")" "$log" || true; }
note_at_least() { [ "$(notes "$1" "$2")" -ge "$3" ]; }
wait_note() { until_true "$4" note_at_least "$1" "$2" "$3"; }
note_text() { grep -F "$(note_re "$1" "$2")" "$log" | tail -n 1 | sed 's/.*, message = //'; }
gdir_ino() { stat -c %i "$EMU_MNT/$1"; }
mbm0() { cat "$EMU_MNT/$1/mon_data/mon_L3_00/mbm_total_bytes"; }

# 3. Unavailable and Error (IA32_QM_CTR bits 62 and 63; the kernel's
# rdtgroup_mondata_show words them) are skipped, never written as zero, and
# the neighbours go on; a number again brings the series back.
vcpu g1 2 unavailable=1
vcpu g2 1 error=3
sleep 1.5 # a read under way when the bits were set may carry the old value
skipped="$(csv_file g1:db bytes-llc-1) $(csv_file g1:db percent-llc-1) $(csv_file g2:web memory_bandwidth-local-0)"
counts=$(for f in $skipped; do csv_lines "$f"; done | tr '\n' ' ')
nb1=$(csv_file g1:db memory_bandwidth-total-1)
nb2=$(csv_file g2:web memory_bandwidth-total-0)
n1=$(csv_lines "$nb1") n2=$(csv_lines "$nb2")
neighbours_grew() { lines_at_least "$nb1" $((n1 + 3)) && lines_at_least "$nb2" $((n2 + 3)); }
until_true 15 neighbours_grew ||
	vr_fail "csv: the neighbours of the Unavailable/Error values stopped"
# not a line more: no zero (nor anything) stands in for the words (the
# series read 0 before the test set them, so a zero alone proves nothing)
[ "$(for f in $skipped; do csv_lines "$f"; done | tr '\n' ' ')" = "$counts" ] ||
	vr_fail "csv: values read as Unavailable/Error were written (lines before: $counts)"
vcpu g1 2 occupancy=2097152
vcpu g2 1 local=0
check g1:db bytes-llc-1 2097152
until_true 10 lines_at_least "$(csv_file g2:web memory_bandwidth-local-0)" $((${counts##* } + 1)) ||
	vr_fail "csv: g2:web memory_bandwidth-local-0 did not come back once readable"
vr_log "Unavailable (g1:db llc on L3 1) and Error (g2:web local on L3 0): skipped, neighbours went on"

# 4. SIGKILL: no shutdown runs, the groups stay; while collectd is down one
# of them (g1:db, occupancy 0 so its RMID is not held in limbo) is removed
# and other tools take every free RMID.  The next collectd adopts the other
# groups (the same directories: kernfs gives a new directory a new inode,
# and a group made again reads mbm_total_bytes from 0 because mkdir resets
# the RMID's MBM state, resctrl_arch_reset_rmid) and cannot make g1:db:
# ENOSPC from the kernel's alloc_rmid, one WARNING.
vcpu g1 2 occupancy=0
groups_before=$(our_groups | tr '\n' ' ')
ino_before="$(gdir_ino "$g1a") $(gdir_ino "$g2a")"
mbm_before="$(mbm0 "$g1a") $(mbm0 "$g2a")"
kill -KILL "$COLLECTD_PID"
wait "$COLLECTD_PID" 2>/dev/null || true
COLLECTD_PID=
[ "$(our_groups | tr '\n' ' ')" = "$groups_before" ] || vr_fail "groups changed at SIGKILL"
rmdir "$EMU_MNT/$g1b"
fillers=
n=0
t0=$SECONDS
while :; do
	out=$(mkdir "$EMU_MNT/mon_groups/pqos_$n" 2>&1) && {
		fillers="$fillers pqos_$n"
		n=$((n + 1))
		continue
	}
	case $out in
	*"No space left"*) break ;;
	# an RMID freed a moment ago waits for the limbo worker (cqm_handle_limbo)
	*"busy"*) [ $((SECONDS - t0)) -lt 15 ] || vr_fail "RMIDs still in limbo after 15 s" ;;
	*) vr_fail "mkdir of a filler group: $out" ;;
	esac
	sleep 0.2
done
vr_on_cleanup "for g in $fillers; do rmdir $EMU_MNT/mon_groups/\$g 2>/dev/null; done; true"
grep -qx "Out of RMIDs" "$EMU_MNT/info/last_cmd_status" ||
	vr_fail "last_cmd_status: $(cat "$EMU_MNT/info/last_cmd_status")"
vr_log "collectd killed; g1:db removed; $n filler groups took every free RMID"
mv "$log" "$log.killed"
collectd_start "$cd_dir"
wait_note WARNING g1:db 1 15 || vr_fail "no WARNING for g1:db without an RMID: $(tail -n 20 "$log")"
text=$(note_text WARNING g1:db)
case $text in
"domain g1 group db: no RMID left"*ENOSPC*) ;;
*) vr_fail "the ENOSPC WARNING does not say so: '$text'" ;;
esac
[ ! -d "$EMU_MNT/$g1b" ] || vr_fail "$g1b exists though no RMID was free"
for f in "$(csv_file "g1:vcpus_0,1" bytes-llc-0)" "$(csv_file g2:web bytes-llc-0)"; do
	until_true 10 lines_at_least "$f" $(($(csv_lines "$f") + 2)) ||
		vr_fail "after the restart no new values in $f"
done
[ "$(our_groups | tr '\n' ' ')" = "$(echo "$groups_before" | tr ' ' '\n' | grep -vxF "$g1b" | grep . | tr '\n' ' ')" ] ||
	vr_fail "after the restart our groups are '$(our_groups | tr '\n' ' ')'"
[ "$(gdir_ino "$g1a") $(gdir_ino "$g2a")" = "$ino_before" ] ||
	vr_fail "groups made again, not adopted (inodes $ino_before -> $(gdir_ino "$g1a") $(gdir_ino "$g2a"))"
[ "$(mbm0 "$g1a") $(mbm0 "$g2a")" = "$mbm_before" ] ||
	vr_fail "mbm_total_bytes $mbm_before -> $(mbm0 "$g1a") $(mbm0 "$g2a"): made again, not adopted"
tasks_are "$g1a" "$(tids g1 0 1)" || vr_fail "$g1a tasks changed across the restart"
tasks_are "$g2a" "$(tids g2 0 1)" || vr_fail "$g2a tasks changed across the restart"
sleep 2.5
[ "$(notes WARNING g1:db)" = 1 ] || vr_fail "the resyncs repeated the ENOSPC WARNING: $(notes WARNING g1:db)"
vr_log "restart: $g1a and $g2a adopted (same inodes, counters kept); g1:db: '$text'"

# 5. A filler goes (occupancy 0; still, the kernel reads the occupancy only
# on the freeing CPU's L3 domain and marks the RMID busy on every other one
# until the limbo worker checks it, about a second later: add_rmid_to_limbo
# on 6.1, the same on 6.12, so the plugin may meet EBUSY first and say
# so): g1:db is made at a resync with its threads; OKAY.
set -- $fillers
freed=$1
rmdir "$EMU_MNT/mon_groups/$freed"
until_true 15 tasks_are "$g1b" "$(tids g1 2 3)" ||
	vr_fail "g1:db not made once an RMID was free (tasks '$(gtasks "$g1b" 2>/dev/null)')"
wait_note OKAY g1:db 1 10 || vr_fail "no OKAY for g1:db once it was made"
w5=$(notes WARNING g1:db)
[ "$w5" -le 2 ] || vr_fail "g1:db: $w5 WARNINGs once an RMID was freed, want ENOSPC and at most one EBUSY"
vr_log "an RMID freed: g1:db made with its vCPU threads ($w5 WARNINGs so far), '$(note_text OKAY g1:db)'"

# 6. Limbo: g1:db's occupancy above max_threshold_occupancy, then its group
# is removed under the plugin: the kernel keeps the RMID dirty
# (add_rmid_to_limbo, __check_limbo), every other RMID is taken, so the
# plugin's mkdir gets EBUSY: a new WARNING saying limbo, the group not made
# while the occupancy stays high; once it falls the RMID comes back and the
# group is made again.
THRESH=$(cat "$EMU_MNT/info/L3_MON/max_threshold_occupancy")
vcpu g1 2 occupancy=$((THRESH + 64))
rmdir "$EMU_MNT/$g1b"
wait_note WARNING g1:db $((w5 + 1)) 15 || vr_fail "no new WARNING for g1:db while its RMID is in limbo: $(tail -n 20 "$log")"
text=$(note_text WARNING g1:db)
case $text in
"domain g1 group db: "*limbo*EBUSY* | "domain g1 group db: "*EBUSY*limbo*) ;;
*) vr_fail "the EBUSY WARNING does not mention the limbo: '$text'" ;;
esac
sleep 2.5
[ ! -d "$EMU_MNT/$g1b" ] || vr_fail "$g1b made though the only free RMID is dirty"
# the dirty RMID is no group's any more: lower the occupancy of every RMID on L3 1
for r in 1 2 3 4 5 6 7; do
	"$LOAD" --cpu 2 rmid=$r occupancy=0 >/dev/null || vr_fail "kbed-load rmid=$r failed"
done
until_true 15 tasks_are "$g1b" "$(tids g1 2 3)" ||
	vr_fail "g1:db not made after the limbo (tasks '$(gtasks "$g1b" 2>/dev/null)')"
wait_note OKAY g1:db 2 10 || vr_fail "no OKAY for g1:db after the limbo"
[ "$(notes WARNING g1:db)" = $((w5 + 1)) ] ||
	vr_fail "g1:db: $(notes WARNING g1:db) WARNINGs, want $((w5 + 1)): the limbo said once"
vr_log "limbo: '$text', then g1:db made again once the occupancy fell"

# 7. shutdown removes every group of ours, and only ours
chain_stop_clean
[ -d "$EMU_MNT/$C1" ] || vr_fail "libvirt's CTRL_MON group was removed"
for g in $fillers; do
	[ "$g" = "$freed" ] || [ -d "$EMU_MNT/mon_groups/$g" ] || vr_fail "another tool's group $g was removed"
done
no_sanitizer_report "$log"
vr_log "collectd stopped: no group of ours left, libvirt's $C1 and the other tools' groups kept"
echo "ok - plugin end to end on $(uname -r)"
