#!/bin/sh
# SPDX-License-Identifier: MIT
# The resctrl module against the mounted emulator. The C program mounts
# each emulator on a private temp dir and records it; the trap in
# resctrl_tmp.sh unmounts and kills them even when the program fails.
. "$VR_SRCDIR/tests/support/resctrl_tmp.sh"
"$VR_BUILDDIR/tests/integration/test_resctrl_emu"
