# SPDX-License-Identifier: MIT
# Sourced by the resctrl tests' wrappers: a private temp dir in
# VR_RESCTRL_TMP and a trap that, also on failure or crash, kills every
# emulator the test program recorded (by pid) and detaches its mounts.
VR_RESCTRL_TMP=$(mktemp -d /tmp/vr-resctrl.XXXXXX) || exit 1
export VR_RESCTRL_TMP

vr_resctrl_cleanup() {
  local pid mnt
  if [ -f "$VR_RESCTRL_TMP/pids" ]; then
    while read -r pid; do
      kill -TERM "$pid" 2>/dev/null
    done <"$VR_RESCTRL_TMP/pids"
    sleep 0.2
    while read -r pid; do
      kill -KILL "$pid" 2>/dev/null
    done <"$VR_RESCTRL_TMP/pids"
  fi
  if [ -f "$VR_RESCTRL_TMP/mounts" ]; then
    while read -r mnt; do
      if mountpoint -q "$mnt" 2>/dev/null || grep -qs " $mnt " /proc/mounts; then
        fusermount3 -u -z "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
      fi
    done <"$VR_RESCTRL_TMP/mounts"
  fi
  rm -rf --one-file-system "$VR_RESCTRL_TMP"
}
trap vr_resctrl_cleanup EXIT
trap 'exit 1' INT TERM HUP
