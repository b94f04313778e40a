#!/bin/busybox sh
# /init of the DpcPi VM-tier initramfs (busybox), x86-64 and arm64 alike. Loads virtio/9p/configfs/
# gpio-sim, creates a gpio-sim chip (one bank, 8 lines, line 0 named "btn0") through configfs, mounts
#   9p "share"   (ro)  host staging dir with tests + guest-run.sh    -> /mnt
#   9p "out"     (rw)  host results dir                              -> /out
#   9p "hostusr" (ro)  x86-64 only: host /usr, so the host's dotnet/glibc run unchanged in a chroot
# runs /mnt/guest-run.sh (chrooted on x86-64; on arm64 directly: the initramfs carries the arm64 glibc,
# libstdc++, libgcc_s and libssl a self-contained .NET app needs), prints "INIT: TEST_EXIT=<rc>", powers off.
# shellcheck shell=sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /tmp /mnt /run /out
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
chmod 1777 /tmp /dev/shm
up() { cut -d' ' -f1 /proc/uptime; }
echo "INIT: start, uptime $(up)s, kernel $(uname -r) $(uname -m)"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
  netfs fscache 9pnet 9pnet_virtio 9p configfs gpio-sim; do
  if [ -f "/lib/modules/$m.ko" ]; then
    insmod "/lib/modules/$m.ko" || echo "INIT: insmod $m failed"
  fi
done
mount -t configfs configfs /sys/kernel/config
CS=/sys/kernel/config/gpio-sim/dpcpi0
if ! { mkdir "$CS" && mkdir "$CS/bank0" && echo 8 >"$CS/bank0/num_lines" &&
  mkdir "$CS/bank0/line0" && echo btn0 >"$CS/bank0/line0/name" && echo 1 >"$CS/live"; }; then
  echo "INIT: gpio-sim setup FAILED"
  echo "INIT: TEST_EXIT=90"
  poweroff -f
fi
CHIP=$(cat "$CS/bank0/chip_name")
DEVNAME=$(cat "$CS/dev_name")
export DPCPI_GPIOSIM_CHIP="/dev/$CHIP"
export DPCPI_GPIOSIM_SYSFS="/sys/devices/platform/$DEVNAME/$CHIP"
export DPCPI_GPIOSIM_CONFIGFS=/sys/kernel/config/gpio-sim
export DPCPI_IN_VM=1
echo "INIT: gpio-sim live: chip=$DPCPI_GPIOSIM_CHIP sysfs=$DPCPI_GPIOSIM_SYSFS"
O9P=trans=virtio,version=9p2000.L,msize=512000
if ! mount -t 9p -o "$O9P,ro" share /mnt; then
  echo "INIT: 9p share mount FAILED"
  echo "INIT: TEST_EXIT=91"
  poweroff -f
fi
if ! mount -t 9p -o "$O9P" out /out; then
  echo "INIT: 9p results mount FAILED"
  echo "INIT: TEST_EXIT=92"
  poweroff -f
fi
R=/newroot
mkdir -p "$R" && mount -t tmpfs tmpfs "$R" && mkdir -p "$R/usr"
if [ "$(uname -m)" = aarch64 ]; then
  # arm64: no host /usr to borrow; everything runs from the initramfs and the share
  mkdir -p /root /etc
  echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
  echo "root:x:0:" >/etc/group
  echo "INIT: running /mnt/guest-run.sh from the initramfs, uptime $(up)s"
  cd /tmp || true
  HOME=/root TMPDIR=/tmp /bin/sh /mnt/guest-run.sh
  echo "INIT: TEST_EXIT=$?"
  echo "INIT: done, uptime $(up)s"
  sync
  poweroff -f
fi
if ! mount -t 9p -o "$O9P,ro,cache=loose" hostusr "$R/usr"; then
  echo "INIT: 9p host /usr mount FAILED"
  echo "INIT: TEST_EXIT=93"
  poweroff -f
fi
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$R/$d"; done
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/mnt" "$R/run" "$R/etc" "$R/root" "$R/out"
mount --bind /proc "$R/proc"
mount --bind /sys "$R/sys"
mount -t configfs configfs "$R/sys/kernel/config"
mount --bind /dev "$R/dev"
mount --bind /mnt "$R/mnt"
mount --bind /out "$R/out"
chmod 1777 "$R/tmp"
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
echo "INIT: running /mnt/guest-run.sh chrooted on host /usr, uptime $(up)s"
HOME=/root chroot "$R" /bin/sh /mnt/guest-run.sh
echo "INIT: TEST_EXIT=$?"
echo "INIT: done, uptime $(up)s"
sync
poweroff -f
