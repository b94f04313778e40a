#!/bin/bash
# Prepares (or finds in the cache) everything the DpcPi VM tier boots:
#   - the CURRENT Debian kernel (ABI resolved at run time through apt, never pinned),
#   - an out-of-tree gpio-sim.ko with irq_sim.c linked into the same module
#     (Debian builds neither CONFIG_GPIO_SIM nor CONFIG_IRQ_SIM),
#   - a busybox initramfs whose /init is tests/vm/guest-init.sh,
#   - an uncompressed vmlinux (PVH boot, noticeably faster than bzImage under TCG).
#
# Usage: prepare.sh <env-file>
#   Writes KERNEL=, INITRD=, KV=, KVER= lines to <env-file> for run.sh to source.
# Cache: ${DPCPI_VM_CACHE:-~/.cache/dpcpi-vm}
#   kernel-<KV>-<pkgver>/   vmlinux, gpio-sim.ko, modules/*.ko  (keyed by kernel version)
#   initrd-<KV>-<pkgver>-<hash>.cpio.gz   (hash of guest-init.sh, this script, busybox binary)
# Exit codes: 0 ready, 3 cannot prepare (install/download failed: the tier is skipped).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ENV_OUT=${1:?usage: prepare.sh <env-file>}
CACHE=${DPCPI_VM_CACHE:-$HOME/.cache/dpcpi-vm}
APT_PACKAGES=(qemu-system-x86 busybox-static cpio kmod gcc make xz-utils python3 libc6-dev bc libgpiod2)
# Modules the guest needs before it can see the host (9p over virtio-pci) and configure gpio-sim.
GUEST_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
  netfs fscache 9pnet 9pnet_virtio 9p configfs)

log() { echo "vm-prepare: $*" >&2; }
cannot() { log "CANNOT PREPARE: $*"; exit 3; }
# shellcheck source=tests/vm/kernel-bundle.sh
. "$HERE/kernel-bundle.sh"

mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive

# 1. host packages (install only what is missing; apt-get update at most once per run)
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    timeout 300 apt-get update -q >"$CACHE/apt-update.log" 2>&1 || cannot "apt-get update failed (see $CACHE/apt-update.log)"
    APT_UPDATED=1
  fi
}
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || cannot "missing packages ${missing[*]} and not root to install them"
  apt_update_once
  log "apt-get install ${missing[*]}"
  timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >"$CACHE/apt-install.log" 2>&1 \
    || cannot "apt-get install ${missing[*]} failed (see $CACHE/apt-install.log)"
fi
command -v qemu-system-x86_64 >/dev/null || cannot "qemu-system-x86_64 not found after install"

# 2. resolve the current kernel ABI + package version (older ones vanish from the archive)
resolve_kernel() {
  KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  KV=${KPKG#linux-image-}
  KVER=$(apt-cache policy "$KPKG" 2>/dev/null | awk '/Candidate:/{print $2}')
}
resolve_kernel
if [ -z "${KPKG:-}" ] || [ -z "${KVER:-}" ] || [ "$KVER" = "(none)" ]; then
  apt_update_once
  resolve_kernel
fi
if [ -z "${KPKG:-}" ] || [ -z "${KVER:-}" ] || [ "$KVER" = "(none)" ]; then
  cannot "cannot resolve the current Debian kernel (linux-image-amd64)"
fi
BR=$(echo "$KV" | cut -d. -f1,2)
log "current Debian kernel: $KV (package $KVER)"

KDIR=$CACHE/kernel-$KV-$KVER
if [ -f "$KDIR/.done" ]; then
  log "kernel + gpio-sim.ko cached in $KDIR"
else
  log "building kernel bundle in $KDIR (downloads ~225 MB, a few minutes)"
  T0=$(date +%s)
  rm -rf "$KDIR"
  W=$KDIR.work
  rm -rf "$W" && mkdir -p "$W/debs" "$KDIR/modules"
  (cd "$W/debs" && timeout 900 apt-get download -q "$KPKG=$KVER" "linux-headers-$KV=$KVER" \
      "linux-headers-${KV%-amd64}-common=$KVER" "linux-kbuild-$BR=$KVER" "linux-source-$BR=$KVER") \
    >"$W/download.log" 2>&1 || { apt_update_once; (cd "$W/debs" && timeout 900 apt-get download -q "$KPKG=$KVER" \
      "linux-headers-$KV=$KVER" "linux-headers-${KV%-amd64}-common=$KVER" "linux-kbuild-$BR=$KVER" \
      "linux-source-$BR=$KVER") >>"$W/download.log" 2>&1; } || cannot "kernel package download failed (see $W/download.log)"
  mkdir -p "$W/kroot" "$W/hroot" "$W/mod"
  dpkg -x "$W/debs/${KPKG}_"*.deb "$W/kroot"
  for d in "$W"/debs/linux-headers-*.deb "$W"/debs/linux-kbuild-*.deb; do dpkg -x "$d" "$W/hroot"; done
  sed -i "s#include /usr/src/#include $W/hroot/usr/src/#" "$W/hroot/usr/src/linux-headers-$KV/Makefile"
  build_gpio_sim "$W" "$BR" "$W/hroot/usr/src/linux-headers-$KV" "$W/kroot/lib/modules/$KV"
  cp "$W/mod/gpio-sim.ko" "$KDIR/modules/gpio-sim.ko"
  copy_guest_modules "$W/kroot/lib/modules/$KV" "$KDIR/modules" "${GUEST_MODULES[@]}"
  python3 - "$W/kroot/boot/vmlinuz-$KV" "$KDIR/vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0:
    sys.exit("no xz payload in vmlinuz")
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:]))
PY
  echo "$KV $KVER" >"$KDIR/.done"
  rm -rf "$W"
  log "kernel bundle built in $(($(date +%s) - T0)) s"
fi

# 3. initramfs, keyed by the init inputs
BUSYBOX=$(command -v busybox)
HASH=$( { cat "$HERE/guest-init.sh" "$HERE/prepare.sh" "$HERE/kernel-bundle.sh"; sha256sum "$BUSYBOX" "$KDIR/modules/"*.ko; } | sha256sum | cut -c1-12)
INITRD=$CACHE/initrd-$KV-$KVER-$HASH.cpio.gz
if [ -f "$INITRD" ]; then
  log "initramfs cached: $INITRD"
else
  log "building initramfs $INITRD"
  W=$(mktemp -d)
  mkdir -p "$W/bin" "$W/lib/modules"
  cp "$BUSYBOX" "$W/bin/busybox"
  cp "$KDIR/modules/"*.ko "$W/lib/modules/"
  cp "$HERE/guest-init.sh" "$W/init"
  chmod +x "$W/init"
  (cd "$W" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$W"
fi

{
  echo "KERNEL=$KDIR/vmlinux"
  echo "INITRD=$INITRD"
  echo "KV=$KV"
  echo "KVER=$KVER"
} >"$ENV_OUT"
