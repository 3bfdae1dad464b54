#!/bin/bash
# SPDX-License-Identifier: MIT
# The libvirt module against a private libvirtd with three QEMU guests; the C
# program does the checks (see test_libvirt_live.c).
set -eu
: "${VR_SRCDIR:?}" "${VR_BUILDDIR:?}"
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"
trap lv_stop EXIT
trap 'exit 1' INT TERM HUP
lv_start
md='<vr:resmon xmlns:vr="urn:x-virt-resctrl:resmon:1"><vr:group name="g0" vcpus="0-1"/></vr:resmon>'
lv_define_guest vm-md 2 2 "$md"
lv_define_guest vm-plain 1
lv_define_guest vm-hot 4 2
for g in vm-md vm-plain vm-hot; do lv_start_guest "$g"; done
"$VR_BUILDDIR/tests/integration/test_libvirt_live"
