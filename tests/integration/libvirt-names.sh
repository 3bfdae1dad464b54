#!/bin/bash
# SPDX-License-Identifier: MIT
# libvirt's resctrl group names (src/resctrl/libvirt_groups.c) against libvirt's own functions: the
# machine name (virDomainDriverGenerateMachineName) and the vCPU set (virBitmapFormat), called in
# the installed libvirt.so through lv-resctrl-harness. Fails when libvirt names differently.
set -eu
harness=${VR_BUILDDIR:?}/tests/integration/lv-resctrl-harness
[ -x "$harness" ] || { echo "FAIL: $harness is not built (make check builds it)"; exit 1; }
"$harness" check-names
echo "PASS: libvirt-names"
