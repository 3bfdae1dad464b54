# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# libvirtd-env.sh: a private libvirtd + virtlogd (QEMU driver) for tests.
#
# Usage (as root, from a bash script with `set -eu`):
#
#   . "$VR_SRCDIR/tests/support/libvirtd-env.sh"
#   lv_start                      # sets LV_DIR, LV_URI, LV_RUN_PATH, LV_SOCK; on failure
#                                 # stops what it started and returns 1
#   trap lv_stop EXIT             # or call lv_stop from your own trap
#   lv_define_guest g1 [MAXVCPU [CURVCPU [METADATA_XML]]]   # defines, not started
#   lv_start_guest g1             # virsh start
#   lv_virsh list --all           # virsh against the private daemon
#   lv_status_vcpu_tids g1        # "id:tid" lines from libvirt's status XML
#   lv_kill_libvirtd; lv_restart_libvirtd   # guests keep running meanwhile
#   lv_stop                       # destroys guests, stops every daemon by pid
#
# Variables it exports:
#   LV_DIR       private top directory (mktemp under ${TMPDIR:-/tmp})
#   LV_URI       qemu+unix:///system?socket=$LV_SOCK (libvirt's system mode)
#   LV_SOCK      the private libvirtd socket
#   LV_RUN_PATH  the QEMU driver's run directory: <name>.pid and status XML
#                <name>.xml; give it to the plugin as LibvirtRunPath
#
# Why a mount namespace: a root libvirtd runs in "system" mode, and its QEMU
# driver keeps state in fixed places (/run/libvirt/qemu, /var/lib/libvirt/qemu,
# /etc/libvirt/qemu.conf); virtlogd's socket is fixed at
# /run/libvirt/virtlogd-sock. None of them is a libvirtd.conf option. So each
# instance gets its own mount namespace (a holder process made by `unshare -m`)
# where private directories under LV_DIR are bind-mounted over those paths;
# virtlogd, libvirtd and the QEMU processes it forks live in it. The test
# process stays outside and reaches the same files through LV_DIR (the bind
# sources), which is how several instances run side by side without touching
# the system's /run/libvirt or /var/lib/libvirt. Only the one-time set-up of
# TESTBED.md is global: the libvirt-qemu user and groups, and empty mount
# point directories.
#
# In a chroot (sbuild, pbuilder, a debootstrap root): setns() into a mount
# namespace resets the caller's root to the namespace's root, the host's "/"
# (setns(2), CLONE_NEWNS), so the daemons are entered with `nsenter -r`: the
# holder's root, which is the chroot. And `unshare -m --propagation private`
# makes every mount private from "/" down (MS_REC|MS_PRIVATE on "/"), which the
# kernel refuses with EINVAL when "/" is not a mount point, as for a chroot
# into a plain directory: make it one first (mount --bind DIR DIR on the host
# before chroot DIR).

lv__log() { echo "libvirtd-env: $*" >&2; }

# One-time host set-up from TESTBED.md (idempotent; users and mount points).
lv_setup_host() {
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt \
      -s /usr/sbin/nologin libvirt-qemu
  mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt \
    /etc/libvirt
}

lv_virsh() { virsh -q -c "$LV_URI" "$@"; }

lv__wait_for() { # SECONDS CMD...: poll until CMD succeeds
  local n=$(($1 * 10))
  shift
  while [ "$n" -gt 0 ]; do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

lv__dead() { ! kill -0 "$1" 2>/dev/null; }

# lv__up PID PATH: PATH exists, or PID is gone: ends a wait at once when a
# daemon died, so that it is reported without waiting out the time.
lv__up() { [ -e "$2" ] || lv__dead "$1"; }

# lv__ready SECONDS PID PATH NAME LOG: wait for PATH; when it does not appear,
# say whether NAME exited or hung, and its own output, which holds the reason
# (a missing user, config or binary, a busy socket).
lv__ready() {
  lv__wait_for "$1" lv__up "$2" "$3" || true
  [ -e "$3" ] && return 0
  if lv__dead "$2"; then
    lv__log "$4 exited during start-up; its output ($5):"
  else
    lv__log "$4 did not come up within $1 s; its output ($5):"
  fi
  if [ -s "$5" ]; then sed 's/^/  | /' "$5" | tail -n 20 >&2; else echo "  | (nothing)" >&2; fi
  return 1
}

lv__start_libvirtd() {
  # nsenter execs libvirtd itself (no fork for a mount namespace), so $! is
  # libvirtd's pid; a function run with & would be a subshell instead.
  nsenter -t "$LV_HOLDER_PID" -m -r -- /usr/sbin/libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid \
    >>"$LV_DIR/log/libvirtd.out" 2>&1 &
  LV_LIBVIRTD_PID=$!
  lv__ready 30 "$LV_LIBVIRTD_PID" "$LV_SOCK" libvirtd "$LV_DIR/log/libvirtd.out" || return 1
  # The first connection waits for the QEMU capability probe (~8 s).
  if ! lv__wait_for 60 virsh -q -c "$LV_URI" uri >/dev/null; then
    lv__log "libvirtd at $LV_URI does not answer"
    return 1
  fi
}

# A part-way failure stops what already runs (the holder, virtlogd, maybe
# libvirtd): callers register lv_stop only once lv_start has succeeded.
lv_start() {
  lv__start || {
    lv_stop
    return 1
  }
}

# lv_start's body. Called from an || list, where set -e does not apply: each
# step that matters returns 1 itself. LV_DIR set means LV_SOCK and
# LV_RUN_PATH are too, which is what lv_stop relies on.
lv__start() {
  lv_setup_host || return 1
  LV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vrlv.XXXXXX") || return 1
  LV_SOCK="$LV_DIR/run/libvirt-sock"
  LV_URI="qemu+unix:///system?socket=$LV_SOCK"
  LV_RUN_PATH="$LV_DIR/run/qemu"
  export LV_DIR LV_SOCK LV_URI LV_RUN_PATH LV_HOLDER_PID
  mkdir -p "$LV_DIR"/{etc,run,lib/qemu,cache/qemu,log/qemu} || return 1
  cat >"$LV_DIR/etc/libvirtd.conf" <<EOF
unix_sock_dir = "/run/libvirt"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
listen_tls = 0
listen_tcp = 0
log_outputs = "3:stderr"
EOF
  cat >"$LV_DIR/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
namespaces = [ ]
EOF
  # virtlogd's own errors go to its output file, which a failure shows.
  echo 'log_outputs = "3:stderr"' >"$LV_DIR/etc/virtlogd.conf" || return 1
  # The holder keeps the namespace alive across libvirtd restarts.
  unshare -m --propagation private -- sh -c '
    d=$1
    mount --bind "$d/etc" /etc/libvirt &&
    mount --bind "$d/run" /run/libvirt &&
    mount --bind "$d/lib" /var/lib/libvirt &&
    mount --bind "$d/cache" /var/cache/libvirt &&
    mount --bind "$d/log" /var/log/libvirt &&
    touch "$d/ns-ready" && exec sleep 100000' lv-holder "$LV_DIR" \
    2>"$LV_DIR/log/holder.err" &
  LV_HOLDER_PID=$!
  export LV_HOLDER_PID
  if ! lv__ready 10 "$LV_HOLDER_PID" "$LV_DIR/ns-ready" "the mount namespace holder (unshare -m)" \
    "$LV_DIR/log/holder.err"; then
    if grep -q 'propagation' "$LV_DIR/log/holder.err"; then
      lv__log "\"/\" is not a mount point here (a chroot into a plain directory?), so its mounts cannot be made private: make it one (on the host: mount --bind DIR DIR, then chroot DIR)"
    elif [ "$(id -u)" != 0 ]; then
      lv__log "run as root: unshare -m and mount need CAP_SYS_ADMIN"
    fi
    return 1
  fi
  nsenter -t "$LV_HOLDER_PID" -m -r -- /usr/sbin/virtlogd -f /etc/libvirt/virtlogd.conf -p /run/libvirt/virtlogd.pid \
    >>"$LV_DIR/log/virtlogd.out" 2>&1 &
  LV_VIRTLOGD_PID=$!
  lv__ready 10 "$LV_VIRTLOGD_PID" "$LV_DIR/run/virtlogd-sock" virtlogd "$LV_DIR/log/virtlogd.out" || return 1
  lv__start_libvirtd || return 1
  lv__log "libvirtd $LV_LIBVIRTD_PID up at $LV_URI (run dir $LV_RUN_PATH)"
}

# libvirtd's pid: its pid file is the truth (a restart from another process,
# e.g. a C test calling `lv_attach; lv_kill_libvirtd; lv_restart_libvirtd`
# through bash -c, changes it).
lv_libvirtd_pid() { cat "$LV_DIR/run/libvirtd.pid" 2>/dev/null || true; }

# Use an instance started by a parent script (LV_* come from the environment).
lv_attach() {
  : "${LV_DIR:?}" "${LV_HOLDER_PID:?}" "${LV_URI:?}"
  LV_LIBVIRTD_PID=$(lv_libvirtd_pid)
}

# Kill libvirtd hard (guests keep running, as after a crash).
lv_kill_libvirtd() {
  local pid
  pid=$(lv_libvirtd_pid)
  pid=${pid:-$LV_LIBVIRTD_PID}
  kill -9 "$pid" 2>/dev/null || true
  lv__wait_for 5 lv__dead "$pid" || true
  wait "$pid" 2>/dev/null || true
  rm -f "$LV_SOCK" "$LV_DIR/run/libvirt-sock-ro" \
    "$LV_DIR/run/libvirt-admin-sock"
}

lv_restart_libvirtd() { lv__start_libvirtd; }

# lv_define_guest NAME [MAXVCPU [CURVCPU [METADATA_XML [IOTHREADS]]]]
lv_define_guest() {
  local name=$1 max=${2:-1} cur=${3:-${2:-1}} md=${4:-} iothreads=${5:-}
  local xml="$LV_DIR/$name.xml"
  cat >"$xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static' current='$cur'>$max</vcpu>
  ${iothreads:+<iothreads>$iothreads</iothreads>}
  ${md:+<metadata>$md</metadata>}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
  lv_virsh define "$xml" >/dev/null
}

lv_start_guest() { lv_virsh start "$1" >/dev/null; }

# "id:tid" per online vCPU from libvirt's status XML (the reference that
# tests compare the plugin's /proc view with).
lv_status_vcpu_tids() {
  sed -n "s/.*<vcpu id='\([0-9]*\)' pid='\([0-9]*\)'.*/\1:\2/p" \
    "$LV_RUN_PATH/$1.xml"
}

# SIGTERM, then SIGKILL after 3 s (virtlogd may linger on SIGTERM).
# libvirtd saves its state before it exits on SIGTERM: on a loaded machine
# (seen on a 2-core fresh root at load 20) that took longer than 3 s and the
# shell printed a bare "Killed". Wait longer, and say it when SIGKILL is needed.
lv__stop_pid() {
  kill "$1" 2>/dev/null || return 0
  if ! lv__wait_for 15 lv__dead "$1"; then
    lv__log "pid $1 ($(cat /proc/"$1"/comm 2>/dev/null)) did not exit within 15 s of SIGTERM; sending SIGKILL"
    kill -9 "$1" 2>/dev/null || true
  fi
  wait "$1" 2>/dev/null || true
}

# Stop everything this instance started, by pid; safe to call twice.
lv_stop() {
  local f pid
  [ -n "${LV_DIR:-}" ] || return 0
  if [ -S "$LV_SOCK" ]; then
    for f in $(lv_virsh list --name 2>/dev/null); do
      lv_virsh destroy "$f" >/dev/null 2>&1 || true
    done
  fi
  # Guests left over (libvirtd dead or destroy failed): their pid files. The
  # QEMU driver also writes its own driver.pid there, holding libvirtd's pid:
  # only a pid that is a QEMU process is a guest (libvirtd is stopped below,
  # by SIGTERM, as the pid this file started).
  for f in "$LV_RUN_PATH"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    case $(cat "/proc/$pid/comm" 2>/dev/null) in
    qemu*) kill -9 "$pid" 2>/dev/null || true ;;
    esac
  done
  # The pid file stands in for LV_LIBVIRTD_PID after a restart by another
  # process (lv_attach); only while it names a libvirtd, never a reused pid.
  pid=$(lv_libvirtd_pid)
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = libvirtd ] || pid=
  for pid in ${LV_LIBVIRTD_PID:-} $pid ${LV_VIRTLOGD_PID:-} \
    ${LV_HOLDER_PID:-}; do
    lv__stop_pid "$pid"
  done
  LV_LIBVIRTD_PID= LV_VIRTLOGD_PID= LV_HOLDER_PID=
  if [ -z "${LV_KEEP:-}" ]; then
    rm -rf "$LV_DIR"
  else
    lv__log "kept $LV_DIR"
  fi
  LV_DIR=
}
