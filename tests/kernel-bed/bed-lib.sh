# SPDX-License-Identifier: MIT
# Shared by the kernel bed's scripts (sourced, not run).  Everything the bed
# fetches or builds lives in a cache outside the source tree, so a fresh
# clone on the same machine reuses it.
BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BED_CACHE=${VR_BED_CACHE:-/var/cache/virt-resctrl-bed}
# QEMU release the patch applies to: Debian bookworm's qemu source package,
# on both Debian 12 and 13 hosts (it builds with either release's compiler
# and Python; the firmware comes from the seabios and qemu-system-data
# packages of the host).
BED_QEMU_SRC_VERSION=${VR_BED_QEMU_VERSION:-1:7.2+dfsg-7+deb12u18}

bed_die() {
	echo "kernel-bed: $*" >&2
	exit 1
}

# A private apt configuration: adds deb-src and the suites the bed needs
# (bookworm-backports, bookworm-security) without touching the machine's
# sources.list.  Prints the apt options to use.
bed_apt_opts() {
	local d=$BED_CACHE/apt
	echo "-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$d/sources.list.d -o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache -o Dir::Cache::archives=$d/archives -o APT::Sandbox::User=root"
}

bed_apt_setup() {
	local d=$BED_CACHE/apt
	mkdir -p "$d/sources.list.d" "$d/lists/partial" "$d/cache" \
		"$d/archives/partial"
	local changed=
	cat >"$d/bed.sources.new" <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	if ! cmp -s "$d/bed.sources.new" "$d/sources.list.d/bed.sources"; then
		mv "$d/bed.sources.new" "$d/sources.list.d/bed.sources"
		changed=1
	fi
	# Refresh at most once a day (a CI run should not hit the mirror for
	# every guest), or when the sources changed.
	if [ -n "$changed" ] || [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
		# shellcheck disable=SC2046
		apt-get $(bed_apt_opts) -q update >&2 ||
			bed_die "apt-get update of the bed's private sources failed"
	fi
}

# QEMU's configure options: x86_64 system emulation, TCG only, no default
# features or devices (qemu-devices.mak adds the few the guest needs),
# virtio-9p for the host's root, no docs, tools or firmware blobs.
BED_QEMU_CONFIGURE="--target-list=x86_64-softmmu --without-default-features
 --without-default-devices --with-devices-x86_64=kbed --enable-tcg
 --disable-kvm --enable-virtfs --enable-attr --enable-cap-ng
 --enable-fdt=system --disable-docs --disable-tools --disable-install-blobs
 --disable-debug-info --disable-werror"

# The key of the QEMU build: patch, device list, configure options and the
# host's Debian release (the binary links against that release's libraries:
# one built on Debian 13 does not run on 12). The QEMU version names the
# directory. The patch counts from its first diff on: the text before it
# (what it does, its licence) changes no build.
bed_qemu_key() {
	{
		sed -n '/^diff /,$p' "$BED_DIR/qemu-rdt.patch"
		cat "$BED_DIR/qemu-devices.mak"
		echo "$BED_QEMU_CONFIGURE"
		bed_host_release
	} | sha256sum | cut -c1-16
}

# The host's Debian release, as os-release names it (bookworm, trixie).
bed_host_release() {
	(
		. /etc/os-release
		echo "${VERSION_CODENAME:-${VERSION_ID:-unknown}}"
	)
}

bed_qemu_dir() {
	local v=${BED_QEMU_SRC_VERSION#*:}
	echo "$BED_CACHE/qemu/$v-$(bed_qemu_key)"
}
