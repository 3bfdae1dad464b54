#!/bin/bash
# SPDX-License-Identifier: MIT
# virt-resmon against a private libvirtd with running QEMU guests: add, list,
# invalid input changes nothing, remove round-trips, --config survives a
# restart, emulator, iothread and mbm groups as the plugin's parser takes
# them, libvirt errors exit 2.
set -eu
: "${VR_SRCDIR:?}" "${VR_BUILDDIR:?}"
V="$VR_BUILDDIR/contrib/virt-resmon"
NS=urn:x-virt-resctrl:resmon:1
[ -x "$V" ] || {
  echo "FAIL: $V not built (make contrib/virt-resmon)" >&2
  exit 1
}
for tool in virsh libvirtd qemu-system-x86_64; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "FAIL: $tool missing: run tests/support/install-deps" >&2
    exit 1
  }
done
# --version names the release configure.ac declares (no libvirt needed).
want_version=$(sed -n 's/^AC_INIT(\[[^]]*\], \[\([^]]*\)\].*/\1/p' "$VR_SRCDIR/configure.ac")
got_version=$("$V" --version) || { echo "FAIL: virt-resmon --version exited $?" >&2; exit 1; }
[ -n "$want_version" ] && [ "$got_version" = "virt-resmon (virt_resctrl) $want_version" ] || {
  echo "FAIL: virt-resmon --version printed '$got_version', want 'virt-resmon (virt_resctrl) $want_version'" >&2
  exit 1
}
[ "$("$V" -V)" = "$got_version" ] || { echo "FAIL: virt-resmon -V differs from --version" >&2; exit 1; }
echo "ok: $got_version"
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"
trap lv_stop EXIT
trap 'exit 1' INT TERM HUP
lv_start
OUT="$LV_DIR/out" ERR="$LV_DIR/err"
. "$VR_SRCDIR/contrib/tests/resmon-lib.sh"

metadata() { lv_virsh metadata "$1" --uri "$NS" "${@:2}"; }

lv_define_guest vm1 6 6
lv_define_guest vm2 2 2
lv_start_guest vm1

echo "# no metadata yet: an empty list"
expect 0 list vm1
same "$OUT" ""

echo "# two groups, live"
expect 0 add vm1 --vcpus 0-2 --live
has "$OUT" "added group vcpus_0-2 (vCPUs 0,1,2)"
expect 0 add vm1 --vcpus 5,3 --name db --live
expect 0 list vm1
same "$OUT" "vcpus_0-2 0,1,2
db 3,5"
metadata vm1 --live >"$OUT"
has "$OUT" 'vcpus="0-2"'
has "$OUT" 'name="db" vcpus="3,5"'
cp "$OUT" "$LV_DIR/two-groups.xml"

echo "# invalid input exits 1 and changes nothing"
expect 1 add vm1 --vcpus 2,4 --name x --live
has "$ERR" "vCPU 2 is already in group"
expect 1 add vm1 --vcpus 4 --name 'bad/name' --live
has "$ERR" "invalid --name"
expect 1 add vm1 --vcpus 6 --name y --live
has "$ERR" "not below"
expect 1 add vm1 --vcpus 4 --name db --live
has "$ERR" 'already has a group named "db"'
expect 1 add vm1 --vcpus 4-2 --live
expect 1 remove vm1 --name nosuch --live
has "$ERR" 'no group named "nosuch"'
expect 1 add vm1 --live
expect 1 frobnicate vm1
metadata vm1 --live >"$OUT"
cmp -s "$OUT" "$LV_DIR/two-groups.xml" || fail "invalid input changed the metadata"

echo "# remove round-trips"
expect 0 remove vm1 --name db --live
expect 0 list vm1
same "$OUT" "vcpus_0-2 0,1,2"
expect 1 remove vm1 --name db --live
expect 0 add vm1 --vcpus 3,5 --name db --live
metadata vm1 --live >"$OUT"
cmp -s "$OUT" "$LV_DIR/two-groups.xml" || fail "remove + add did not round-trip"
expect 0 remove vm1 --name vcpus_0-2 --live
expect 0 remove vm1 --name db --live
expect 0 list vm1
same "$OUT" ""

echo "# --config persists across destroy/start, --live alone does not"
expect 0 add vm1 --vcpus 4 --name kept --config
expect 0 add vm1 --vcpus 0,1 --name both --live --config
has "$OUT" "live definition"
has "$OUT" "persistent definition"
expect 0 add vm1 --vcpus 2 --name gone --live
expect 0 list vm1 --config
same "$OUT" "kept 4
both 0,1"
expect 0 list vm1 --live
same "$OUT" "both 0,1
gone 2"
lv_virsh destroy vm1 >/dev/null
lv_start_guest vm1
expect 0 list vm1
same "$OUT" "kept 4
both 0,1"
expect 0 remove vm1 --name both --live --config
expect 0 list vm1 --config
same "$OUT" "kept 4"

echo "# no flag on a shut-off domain: its persistent definition"
expect 0 add vm2 --vcpus 1 --name solo
expect 0 list vm2 --config
same "$OUT" "solo 1"
expect 2 add vm2 --vcpus 0 --name live --live
has "$ERR" "not running"

echo "# groups the plugin rejects are listed with reasons and survive edits"
lv_virsh metadata vm2 --uri "$NS" --key resmon --config \
  --set '<resmon><group name="big" vcpus="0-7"/><group name="solo" vcpus="1"/></resmon>'
expect 0 list vm2
has "$OUT" '^solo 1$'
has "$OUT" '^rejected big: .*not below'
expect 0 add vm2 --vcpus 0 --name zero
expect 0 list vm2
same "$OUT" "solo 1
zero 0
rejected big: $(sed -n 's/^rejected big: //p' "$OUT")"
metadata vm2 --config >"$OUT"
has "$OUT" 'name="big" vcpus="0-7"'
expect 0 remove vm2 --name big
expect 0 list vm2
same "$OUT" "solo 1
zero 0"

echo "# --uri-ns keeps groups of another namespace apart"
expect 0 --uri-ns urn:x-example:other add vm2 --vcpus 0-1 --name other
expect 0 --uri-ns urn:x-example:other list vm2
same "$OUT" "other 0,1"
expect 0 list vm2
same "$OUT" "solo 1
zero 0"

echo "# emulator, iothread and mbm groups, judged by the plugin's parser"
lv_define_guest vm3 2 2 "" 2
expect 0 add vm3 --emulator
has "$OUT" "^added group emulator (emulator) to the current definition of vm3$"
expect 0 add vm3 --iothreads 1-2 --mbm high
has "$OUT" "^added group iothreads_1,2 (iothreads 1-2; mbm high) "
expect 0 add vm3 --vcpus 1,0 --mbm off --name v
has "$OUT" "^added group v (vCPUs 0,1; mbm off) "
metadata vm3 --config >"$OUT"
has "$OUT" '<group emulator="yes"/>'
has "$OUT" '<group iothreads="1-2" mbm="high"/>'
has "$OUT" '<group name="v" vcpus="0,1" mbm="off"/>'
cp "$OUT" "$LV_DIR/vm3.xml"
expect 1 add vm3 --emulator
has "$ERR" 'already has a group named "emulator"'
expect 1 add vm3 --emulator --name emu2
has "$ERR" "group emu2: the emulator threads are already in group \"emulator\""
expect 1 add vm3 --iothreads 2 --name io2
has "$ERR" "group io2: iothread 2 is already in group"
expect 1 add vm3 --iothreads 0 --name io0
has "$ERR" "iothread id 0 does not exist"
expect 1 add vm3 --vcpus 1 --emulator
has "$ERR" "needs a name attribute"
expect 1 add vm3 --emulator --mbm fast --name e
has "$ERR" 'group e: mbm must be "high", "normal" or "off"'
expect 1 list vm3 --mbm high
has "$ERR" "belong to add only"
expect 1 remove vm3 --name v --emulator
metadata vm3 --config >"$OUT"
cmp -s "$OUT" "$LV_DIR/vm3.xml" || fail "invalid input changed vm3's metadata"
expect 0 remove vm3 --name iothreads_1,2
expect 0 remove vm3 --name emulator
expect 0 list vm3
same "$OUT" "v 0,1"
"$V" --help >"$OUT"
has "$OUT" "resctrl not mounted"
has "$OUT" "--iothreads SET"

echo "# libvirt errors exit 2"
expect 2 list nosuch
has "$ERR" "nosuch"
expect 2 add nosuch --vcpus 0
rc=0
"$V" -c "qemu+unix:///system?socket=$LV_DIR/no-socket" list vm1 >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 2 ] || fail "an unreachable libvirtd exited $rc, want 2"

echo "PASS: $checks checks"
