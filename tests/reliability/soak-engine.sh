#!/bin/bash
# SPDX-License-Identifier: MIT
# Soak (doc/design.md, "Faults and hostile input"): soak-engine (the real engine in process, see
# soak-engine.c) against the resctrl emulator and a private libvirtd with two QEMU guests, sk1 (4
# vCPUs, groups vcpus_0,1 and db) and sk2 (2 vCPUs, group w). The C program does the churn and the
# checks and prints the figures. SOAK_CYCLES (default 10000), SOAK_EDIT_EVERY (5),
# SOAK_RESTART_EVERY (500) tune it.
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

prog=$VR_BUILDDIR/tests/reliability/soak-engine
[ -x "$prog" ] || vr_fail "$prog is not built (make check builds it)"
chain_setup
# After lv_start: the FUSE mount must not be copied into libvirt's mount namespace.
chain_emu_start 0,8 33554432,16777216

lv_define_guest sk1 4 4 '<resmon xmlns="urn:x-virt-resctrl:resmon:1"><group vcpus="0-1"/><group name="db" vcpus="2,3"/></resmon>'
lv_define_guest sk2 2 2 '<resmon xmlns="urn:x-virt-resctrl:resmon:1"><group name="w" vcpus="0-1"/></resmon>'
lv_start_guest sk1
lv_start_guest sk2
vr_log "guests sk1 and sk2 running; soak starts"

# Under ASan, LeakSanitizer checks the whole process at exit (the soak's exact leak check there).
SOAK_URI=$LV_URI SOAK_RESCTRL=$EMU_MNT SOAK_SYSFS=$VR_TMP/sys SOAK_RUN_PATH=$LV_RUN_PATH \
	"$prog" 2>"$VR_TMP/soak.log" || {
	grep -v "^\[log" "$VR_TMP/soak.log" | tail -n 30 >&2
	echo "---- last plugin log lines ----" >&2
	grep "^\[log" "$VR_TMP/soak.log" | tail -n 25 >&2 || true
	vr_fail "soak-engine failed (plugin log: $(grep -c '^\[log' "$VR_TMP/soak.log" || true) lines)"
}
no_sanitizer_report "$VR_TMP/soak.log"
vr_log "soak passed"
