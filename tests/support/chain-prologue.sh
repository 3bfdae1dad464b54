# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# chain-prologue.sh: the start that every whole-chain test (a real collectd, a private libvirtd and
# the resctrl emulator) shares, so that a new one begins with two lines. Source it first, from bash:
#
#   . "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"   # set -eu; collectd-run.sh, libvirtd-env.sh
#                                 # and chain-lib.sh (which sources emu.sh): their helpers, documented
#                                 # at their tops
#   ...                           # what the test needs checked before anything starts (vr_fail)
#   chain_setup                   # vr_setup (VR_TMP, the cleanup trap), a private libvirtd, lv_stop
#                                 # registered as a cleanup
#   chain_emu_start IDS SIZES ... # then the emulator: after lv_start, so that its FUSE mount is not
#                                 # copied into libvirt's mount namespace
set -eu
. "${VR_SRCDIR:?}/tests/support/collectd-run.sh"
. "$VR_SRCDIR/tests/support/libvirtd-env.sh"
. "$VR_SRCDIR/tests/support/chain-lib.sh"

chain_setup() {
	vr_setup
	lv_start || vr_fail "cannot start a private libvirtd"
	vr_on_cleanup lv_stop
}
