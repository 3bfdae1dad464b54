#!/bin/bash
# SPDX-License-Identifier: MIT
# virt-resmon stats (doc/design.md, "Module map") against a private libvirtd with real QEMU guests
# and the resctrl emulator (cache ids 0 and 8, so "mon_L3_08" must print as 8), values injected
# through its control FIFO. vm1 has groups of ours (from its metadata, one of them under libvirt's
# allocation) and libvirt-named groups (an allocation's CTRL_MON group and a monitor's MON group
# below it, made here with libvirt's names as its QEMU driver would); vm2 has a DefaultGroup-style
# "vm" group. The text and the JSON are byte-compared with the expected output; groups of another
# domain, another prefix or another tool are not shown; an unknown domain and a resctrl that is not
# mounted exit 2 with the reason, bad usage exits 1.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"
V="${VR_BUILDDIR:?}/contrib/virt-resmon"
[ -x "$V" ] || vr_fail "$V not built (make contrib/virt-resmon)"

chain_setup
chain_emu_start 0,8 33554432,16777216
OUT=$VR_TMP/out ERR=$VR_TMP/err
. "$VR_SRCDIR/contrib/tests/resmon-lib.sh"

lv_define_guest vm1 5 5 "<resmon xmlns=\"$NS\"><group vcpus=\"0-1\"/><group name=\"db\" vcpus=\"3\"/><group name=\"emu\" emulator=\"yes\"/><group name=\"later\" vcpus=\"4\"/><group name=\"lv\" vcpus=\"2\"/></resmon>"
lv_define_guest vm2 1 1
lv_define_guest vm3 1 1
lv_start_guest vm1
lv_start_guest vm2
u1=$(dom_uuid vm1) u2=$(dom_uuid vm2)
id1=$(lv_virsh domid vm1 | tr -d ' \n') id2=$(lv_virsh domid vm2 | tr -d ' \n')
[ -n "$u1" ] && [ -n "$u2" ] && [ -n "$id1" ] && [ -n "$id2" ] || vr_fail "no uuid or id for vm1/vm2"

# Groups as the plugin and libvirt would make them. libvirt: the allocation for vCPUs 2-3 is a
# CTRL_MON group qemu-<id>-vm1-vcpus_2-3, its monitor of vCPU 2 the MON group
# qemu-<id>-vm1-vcpus_2 below it (virResctrlAllocDeterminePath, virResctrlMonitorDeterminePath);
# our db (vCPU 3) sits below that allocation, as the plugin places a group under the CTRL_MON
# group its threads are in. "later" has no directory yet; neither has "lv", whose vCPU 2 is exactly
# libvirt's monitor's, which the plugin reads for it (doc/design.md, "libvirt's own monitors"). vm2
# has a monitor of an allocation without entries (libvirt then puts the MON group under the root's
# mon_groups); a group named for another run of vm1 (id 999) is no group of this one.
alloc=qemu-$id1-vm1-vcpus_2-3
mkdir "$EMU_MNT/$alloc" "$EMU_MNT/$alloc/mon_groups/qemu-$id1-vm1-vcpus_2" \
	"$EMU_MNT/$alloc/mon_groups/vr_${u1}_db" \
	"$EMU_MNT/mon_groups/vr_${u1}_vcpus_0,1" "$EMU_MNT/mon_groups/vr_${u1}_emu" \
	"$EMU_MNT/mon_groups/vr_${u2}_vm" \
	"$EMU_MNT/mon_groups/qemu-$id2-vm2-vcpus_0" "$EMU_MNT/mon_groups/qemu-999-vm1-vcpus_0" \
	"$EMU_MNT/mon_groups/xx_${u1}_db" "$EMU_MNT/mon_groups/pqos-1"

# inject GROUP OCC0 OCC8 TOTAL0 TOTAL8 LOCAL0 LOCAL8
inject() {
	emu_ctl "$1 0 llc_occupancy $2" "$1 8 llc_occupancy $3" \
		"$1 0 mbm_total_bytes $4" "$1 8 mbm_total_bytes $5" \
		"$1 0 mbm_local_bytes $6" "$1 8 mbm_local_bytes $7"
}
inject "mon_groups/vr_${u1}_vcpus_0,1" 372186 27832 1000 2000 100 200
inject "$alloc/mon_groups/vr_${u1}_db" 90112 0 3000 4000 300 Unavailable
inject "mon_groups/vr_${u1}_emu" 4096 8192 5 6 1 2
inject "$alloc" 1 2 10 20 1 2
inject "$alloc/mon_groups/qemu-$id1-vm1-vcpus_2" 540672 90112 7000 8000 700 800
inject "mon_groups/vr_${u2}_vm" 65536 131072 11 12 5 6
inject "mon_groups/qemu-$id2-vm2-vcpus_0" 2048 4096 21 22 13 14
inject "mon_groups/qemu-999-vm1-vcpus_0" 9 9 9 9 9 9
inject "mon_groups/xx_${u1}_db" 9 9 9 9 9 9
inject "mon_groups/pqos-1" 9 9 9 9 9 9

# The allocation's CTRL_MON group reads its own counters plus every MON group's below it
# (mon_event_count sums them), libvirt's monitor and our db alike.
cat >"$VR_TMP/vm1.txt" <<EOF
Domain: 'vm1'
  cpu.cacheoccupancy.vcpus_0,1.vcpus=0,1
  cpu.cacheoccupancy.vcpus_0,1.0.value=372186
  cpu.cacheoccupancy.vcpus_0,1.8.value=27832
  cpu.membandwidth.vcpus_0,1.0.total=1000
  cpu.membandwidth.vcpus_0,1.0.local=100
  cpu.membandwidth.vcpus_0,1.8.total=2000
  cpu.membandwidth.vcpus_0,1.8.local=200
  cpu.cacheoccupancy.db.vcpus=3
  cpu.cacheoccupancy.db.0.value=90112
  cpu.cacheoccupancy.db.8.value=0
  cpu.membandwidth.db.0.total=3000
  cpu.membandwidth.db.0.local=300
  cpu.membandwidth.db.8.total=4000
  cpu.cacheoccupancy.emu.emulator=yes
  cpu.cacheoccupancy.emu.0.value=4096
  cpu.cacheoccupancy.emu.8.value=8192
  cpu.membandwidth.emu.0.total=5
  cpu.membandwidth.emu.0.local=1
  cpu.membandwidth.emu.8.total=6
  cpu.membandwidth.emu.8.local=2
  cpu.cacheoccupancy.vcpus_2.vcpus=2
  cpu.cacheoccupancy.vcpus_2.0.value=540672
  cpu.cacheoccupancy.vcpus_2.8.value=90112
  cpu.membandwidth.vcpus_2.0.total=7000
  cpu.membandwidth.vcpus_2.0.local=700
  cpu.membandwidth.vcpus_2.8.total=8000
  cpu.membandwidth.vcpus_2.8.local=800
  cpu.cacheoccupancy.vcpus_2-3.vcpus=2,3
  cpu.cacheoccupancy.vcpus_2-3.0.value=630785
  cpu.cacheoccupancy.vcpus_2-3.8.value=90114
  cpu.membandwidth.vcpus_2-3.0.total=10010
  cpu.membandwidth.vcpus_2-3.0.local=1001
  cpu.membandwidth.vcpus_2-3.8.total=12020
  cpu.membandwidth.vcpus_2-3.8.local=802

EOF
cat >"$VR_TMP/vm2.txt" <<EOF
Domain: 'vm2'
  cpu.cacheoccupancy.vm.threads=all
  cpu.cacheoccupancy.vm.0.value=65536
  cpu.cacheoccupancy.vm.8.value=131072
  cpu.membandwidth.vm.0.total=11
  cpu.membandwidth.vm.0.local=5
  cpu.membandwidth.vm.8.total=12
  cpu.membandwidth.vm.8.local=6
  cpu.cacheoccupancy.vcpus_0.vcpus=0
  cpu.cacheoccupancy.vcpus_0.0.value=2048
  cpu.cacheoccupancy.vcpus_0.8.value=4096
  cpu.membandwidth.vcpus_0.0.total=21
  cpu.membandwidth.vcpus_0.0.local=13
  cpu.membandwidth.vcpus_0.8.total=22
  cpu.membandwidth.vcpus_0.8.local=14

EOF

echo "# one domain, the seed's text"
expect 0 --resctrl "$EMU_MNT" stats vm1
same_as "$VR_TMP/vm1.txt"
# "later" has no resctrl group: said on stderr, no line on stdout; "lv" has libvirt's.
has "$ERR" "domain vm1 group later: no resctrl group vr_<uuid>_later"
grep -q "group lv" "$ERR" && fail "lv, read from libvirt's monitor, was called missing"
echo "# by UUID, and the options after the command"
expect 0 stats "$u1" --resctrl "$EMU_MNT"
same_as "$VR_TMP/vm1.txt"

echo "# every running domain, by name (vm3 is shut off)"
expect 0 --resctrl "$EMU_MNT" stats
cat "$VR_TMP/vm1.txt" "$VR_TMP/vm2.txt" >"$VR_TMP/all.txt"
same_as "$VR_TMP/all.txt"

echo "# a shut-off domain has no groups"
expect 0 --resctrl "$EMU_MNT" stats vm3
printf "Domain: 'vm3'\n\n" >"$VR_TMP/vm3.txt"
same_as "$VR_TMP/vm3.txt"

echo "# --prefix selects another GroupPrefix"
expect 0 --resctrl "$EMU_MNT" --prefix xx_ stats vm1
has "$OUT" '^  cpu.cacheoccupancy.db.0.value=9$'
has "$OUT" '^  cpu.cacheoccupancy.vcpus_2-3.0.value=630785$'
grep -q 'vcpus_0,1' "$OUT" && fail "--prefix xx_ still shows vr_ groups"

echo "# --json"
expect 0 --resctrl "$EMU_MNT" stats vm1 --json
cat >"$VR_TMP/vm1.json" <<EOF
{"domains":[{"domain":"vm1","uuid":"$u1","groups":[{"name":"vcpus_0,1","owner":"virt_resctrl","resctrl":"mon_groups/vr_${u1}_vcpus_0,1","vcpus":[0,1],"iothreads":[],"emulator":false,"all_threads":false,"caches":[{"id":0,"llc_occupancy":372186,"mbm_total_bytes":1000,"mbm_local_bytes":100},{"id":8,"llc_occupancy":27832,"mbm_total_bytes":2000,"mbm_local_bytes":200}]},{"name":"db","owner":"virt_resctrl","resctrl":"$alloc/mon_groups/vr_${u1}_db","vcpus":[3],"iothreads":[],"emulator":false,"all_threads":false,"caches":[{"id":0,"llc_occupancy":90112,"mbm_total_bytes":3000,"mbm_local_bytes":300},{"id":8,"llc_occupancy":0,"mbm_total_bytes":4000,"mbm_local_bytes":"Unavailable"}]},{"name":"emu","owner":"virt_resctrl","resctrl":"mon_groups/vr_${u1}_emu","vcpus":[],"iothreads":[],"emulator":true,"all_threads":false,"caches":[{"id":0,"llc_occupancy":4096,"mbm_total_bytes":5,"mbm_local_bytes":1},{"id":8,"llc_occupancy":8192,"mbm_total_bytes":6,"mbm_local_bytes":2}]},{"name":"vcpus_2","owner":"libvirt","resctrl":"$alloc/mon_groups/qemu-$id1-vm1-vcpus_2","vcpus":[2],"iothreads":[],"emulator":false,"all_threads":false,"caches":[{"id":0,"llc_occupancy":540672,"mbm_total_bytes":7000,"mbm_local_bytes":700},{"id":8,"llc_occupancy":90112,"mbm_total_bytes":8000,"mbm_local_bytes":800}]},{"name":"vcpus_2-3","owner":"libvirt","resctrl":"$alloc","vcpus":[2,3],"iothreads":[],"emulator":false,"all_threads":false,"caches":[{"id":0,"llc_occupancy":630785,"mbm_total_bytes":10010,"mbm_local_bytes":1001},{"id":8,"llc_occupancy":90114,"mbm_total_bytes":12020,"mbm_local_bytes":802}]}]}]}
EOF
same_as "$VR_TMP/vm1.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT" || fail "--json output is not JSON"
# every running domain: one document, the domains by name
expect 0 --resctrl "$EMU_MNT" stats --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [x["domain"] for x in d["domains"]] == ["vm1", "vm2"], d' "$OUT" ||
	fail "stats --json of every domain is not one document of vm1 and vm2"

echo "# unknown domain and unmounted resctrl: exit 2 with the reason"
expect 2 --resctrl "$EMU_MNT" stats nosuch
has "$ERR" "domain nosuch"
[ ! -s "$OUT" ] || fail "an unknown domain printed on stdout"
mkdir "$VR_TMP/unmounted"
expect 2 --resctrl "$VR_TMP/unmounted" stats vm1
has "$ERR" "resctrl is not mounted at $VR_TMP/unmounted"
expect 2 --resctrl "$VR_TMP/nosuch" stats vm1
has "$ERR" "$VR_TMP/nosuch does not exist"
rc=0
"$V" -c "qemu+unix:///system?socket=$VR_TMP/no-socket" --resctrl "$EMU_MNT" stats vm1 >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 2 ] || fail "an unreachable libvirtd exited $rc, want 2"

echo "# bad usage: exit 1"
expect 1 stats vm1 --live
has "$ERR" "stats takes no"
expect 1 --prefix 'bad-' stats vm1
has "$ERR" "invalid --prefix"
expect 1 list vm1 --json
has "$ERR" "belong to stats only"
expect 1 stats vm1 vm2

echo "PASS: $checks checks"
