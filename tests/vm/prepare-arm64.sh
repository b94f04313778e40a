#!/bin/bash
# Prepares (or finds in the cache) what the arm64 VM tier boots, the counterpart of prepare.sh:
#   - the CURRENT Debian arm64 kernel (resolved at run time through a private apt state, never pinned),
#   - gpio-sim.ko cross-built out of tree with irq_sim.c linked in (Debian's arm64 config has neither
#     CONFIG_GPIO_SIM nor CONFIG_IRQ_SIM), with the amd64 linux-kbuild (the arm64 one's fixdep and
#     modpost are arm64 binaries that cannot run here),
#   - a busybox initramfs with the arm64 glibc, libstdc++, libgcc_s and libssl (a self-contained .NET
#     app and xunit v3's in-process runner need them; without libssl the runner aborts) and
#     tests/vm/guest-init.sh as /init.
# The host's dpkg state is never touched: the arm64 package indexes live in the cache.
#
# Usage: prepare-arm64.sh <env-file>   (writes KERNEL=, INITRD=, KV=, KVER= for run.sh)
# Cache: ${DPCPI_VM_CACHE:-~/.cache/dpcpi-vm}/arm64; stale kernels and initramfs images are pruned.
# Exit codes: 0 ready, 3 cannot prepare (install/download failed: the tier is skipped).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ENV_OUT=${1:?usage: prepare-arm64.sh <env-file>}
CACHE=${DPCPI_VM_CACHE:-$HOME/.cache/dpcpi-vm}/arm64
HOST_PACKAGES=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross make cpio kmod xz-utils python3)
# Modules in load order (virtio and virtio_ring are built into Debian's arm64 kernel: skipped when absent).
GUEST_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
  netfs fscache 9pnet 9pnet_virtio 9p configfs)
GUEST_DEBS=(busybox-static libc6 libgcc-s1 libstdc++6 libssl3 libgpiod2)

log() { echo "vm-prepare-arm64: $*" >&2; }
cannot() { log "CANNOT PREPARE: $*"; exit 3; }
# shellcheck source=tests/vm/kernel-bundle.sh
. "$HERE/kernel-bundle.sh"

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
export DEBIAN_FRONTEND=noninteractive

# 1. host tools (only what is missing)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || cannot "missing packages ${missing[*]} and not root to install them"
  log "apt-get install ${missing[*]}"
  { timeout 300 apt-get update -q && timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >"$CACHE/host-apt.log" 2>&1 || cannot "apt-get install ${missing[*]} failed (see $CACHE/host-apt.log)"
fi
command -v qemu-system-aarch64 >/dev/null || cannot "qemu-system-aarch64 not found after install"
command -v aarch64-linux-gnu-gcc >/dev/null || cannot "aarch64-linux-gnu-gcc not found after install"

# 2. private apt state: amd64 (linux-kbuild) + arm64 (everything the guest runs)
A=$CACHE/apt
mkdir -p "$A/lists/partial" "$A/archives/partial"
[ -f "$A/status" ] || : >"$A/status"
APT=(-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64
  -o Dir::State::Lists="$A/lists" -o Dir::State::status="$A/status" -o Dir::Cache="$A"
  -o Dir::Cache::archives="$A/archives" -o Debug::NoLocking=1 -q)
# Refreshed when older than a day: old kernel packages vanish from the archive.
if [ -z "$(find "$A/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  log "apt-get update (private state in $A)"
  timeout 300 apt-get "${APT[@]}" update >"$CACHE/apt-update.log" 2>&1 || cannot "apt-get update failed (see $CACHE/apt-update.log)"
fi
KPKG=$(apt-cache "${APT[@]}" depends linux-image-arm64:arm64 | awk '/Depends: linux-image-/{sub(/:arm64$/, "", $2); print $2; exit}')
KV=${KPKG#linux-image-}
KVER=$(apt-cache "${APT[@]}" policy "$KPKG:arm64" | awk '/Candidate:/{print $2}')
BR=$(echo "$KV" | cut -d. -f1,2)
{ [ -n "$KPKG" ] && [ -n "$KVER" ] && [ "$KVER" != "(none)" ]; } || cannot "cannot resolve linux-image-arm64"
log "current Debian arm64 kernel: $KV (package $KVER)"
download() { # download <dir> <pkg[:arch][=ver]>...
  local d=$1
  shift
  mkdir -p "$d"
  (cd "$d" && timeout 900 apt-get "${APT[@]}" download "$@") >>"$CACHE/download.log" 2>&1 \
    || cannot "apt-get download $* failed (see $CACHE/download.log)"
}

# 3. kernel bundle: Image, modules, gpio-sim.ko
KDIR=$CACHE/kernel-$KV-$KVER
if [ -f "$KDIR/.done" ]; then
  log "kernel bundle cached: $KDIR"
else
  T1=$(date +%s)
  rm -rf "$KDIR" "$KDIR.work"
  W=$KDIR.work
  mkdir -p "$W/kroot" "$W/hroot" "$W/mod" "$KDIR/modules"
  log "downloading kernel packages (~210 MB)"
  download "$W/debs" "$KPKG:arm64=$KVER" "linux-headers-$KV:arm64=$KVER" "linux-headers-${KV%-arm64}-common=$KVER" \
    "linux-kbuild-$BR:amd64=$KVER" "linux-source-$BR=$KVER"
  dpkg -x "$W/debs/${KPKG}_"*_arm64.deb "$W/kroot"
  for d in "$W"/debs/linux-headers-*.deb "$W"/debs/linux-kbuild-*_amd64.deb; do dpkg -x "$d" "$W/hroot"; done
  sed -i "s#include /usr/src/#include $W/hroot/usr/src/#" "$W/hroot/usr/src/linux-headers-$KV/Makefile"
  CFG=$W/kroot/boot/config-$KV
  grep -q '^CONFIG_GPIO_SIM=[ym]' "$CFG" && cannot "this kernel builds CONFIG_GPIO_SIM itself: use its gpio-sim.ko (not implemented)"
  # .kernelvariables turns CROSS_COMPILE into aarch64-linux-gnu-gcc-12, the compiler Debian built the kernel with
  build_gpio_sim "$W" "$BR" "$W/hroot/usr/src/linux-headers-$KV" "$W/kroot/lib/modules/$KV" \
    ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
  cp "$W/mod/gpio-sim.ko" "$KDIR/modules/gpio-sim.ko"
  copy_guest_modules "$W/kroot/lib/modules/$KV" "$KDIR/modules" "${GUEST_MODULES[@]}"
  # Debian's arm64 vmlinuz is a plain Image (a gzipped one is unpacked)
  if [ "$(head -c2 "$W/kroot/boot/vmlinuz-$KV" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
    gzip -dc "$W/kroot/boot/vmlinuz-$KV" >"$KDIR/Image"
  else
    cp "$W/kroot/boot/vmlinuz-$KV" "$KDIR/Image"
  fi
  echo "$KV $KVER" >"$KDIR/.done"
  rm -rf "$W" "$A/archives/"*.deb
  log "kernel bundle built in $(($(date +%s) - T1)) s"
fi
# An older ABI's bundle is never used again.
find "$CACHE" -mindepth 1 -maxdepth 1 -name 'kernel-*' ! -path "$KDIR" -exec rm -rf {} +

# 4. guest userland: busybox-static and the libraries of a self-contained .NET app (arm64 .debs)
GDIR=$CACHE/guest-debs
pkgs=("${GUEST_DEBS[@]/%/:arm64}")
mapfile -t want < <(apt-get "${APT[@]}" download --print-uris "${pkgs[@]}" 2>/dev/null | awk '{print $2}')
[ "${#want[@]}" = "${#pkgs[@]}" ] || cannot "cannot resolve ${pkgs[*]}"
have=1
for f in "${want[@]}"; do [ -f "$GDIR/$f" ] || have=0; done
if [ "$have" = 0 ]; then
  rm -rf "$GDIR"
  download "$GDIR" "${pkgs[@]}"
fi
HASH=$({ cat "$HERE/guest-init.sh" "${BASH_SOURCE[0]}" "$HERE/kernel-bundle.sh"; printf '%s\n' "${want[@]}"; sha256sum "$KDIR/modules/"*.ko; } | sha256sum | cut -c1-12)
INITRD=$CACHE/initrd-$KV-$KVER-$HASH.cpio.gz
if [ -f "$INITRD" ]; then
  log "initramfs cached: $INITRD"
else
  R=$(mktemp -d)
  X=$(mktemp -d)
  for d in "$GDIR"/*.deb; do dpkg -x "$d" "$X"; done
  # merged /usr: libraries in /usr/lib/aarch64-linux-gnu, /lib -> usr/lib (ld.so is /lib/ld-linux-aarch64.so.1)
  mkdir -p "$R/bin" "$R/usr/lib/aarch64-linux-gnu" "$R/usr/lib/modules"
  ln -s usr/lib "$R/lib"
  cp "$X/bin/busybox" "$R/bin/busybox"
  for src in "$X/lib/aarch64-linux-gnu" "$X/usr/lib/aarch64-linux-gnu"; do
    [ -d "$src" ] && find "$src" -maxdepth 1 -name '*.so*' \( -type f -o -type l \) -exec cp -a {} "$R/usr/lib/aarch64-linux-gnu/" \;
  done
  ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$R/usr/lib/ld-linux-aarch64.so.1"
  cp "$KDIR/modules/"*.ko "$R/usr/lib/modules/"
  cp "$HERE/guest-init.sh" "$R/init"
  chmod +x "$R/init"
  (cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$R" "$X"
fi
find "$CACHE" -maxdepth 1 -name 'initrd-*.cpio.gz' ! -path "$INITRD" -delete

{
  echo "KERNEL=$KDIR/Image"
  echo "INITRD=$INITRD"
  echo "KV=$KV"
  echo "KVER=$KVER"
} >"$ENV_OUT"
