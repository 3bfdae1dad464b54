#!/bin/sh
# SPDX-License-Identifier: MIT
# The resctrl module against fixture trees (no emulator), in a private
# temp dir removed on exit.
. "$VR_SRCDIR/tests/support/resctrl_tmp.sh"
"$VR_BUILDDIR/tests/integration/test_resctrl_fixture"
