#!/bin/bash
# Sourced by prepare.sh and prepare-arm64.sh: the steps both kernel bundles share. The caller defines
# log() and cannot() (exit 3: the tier is skipped) and runs with set -euo pipefail.

# build_gpio_sim <work> <branch> <headers-dir> <kernel-modules-dir> [make args...]
# Builds gpio-sim.ko out of tree from Debian's linux-source-<branch> .deb in <work>/debs, with irq_sim.c
# linked into the same module (Debian builds neither CONFIG_GPIO_SIM nor CONFIG_IRQ_SIM), into
# <work>/mod/gpio-sim.ko, and refuses a module whose vermagic differs from the kernel's own modules.
build_gpio_sim() {
  local w=$1 br=$2 headers=$3 kmods=$4
  shift 4
  mkdir -p "$w/mod"
  dpkg-deb --fsys-tarfile "$w"/debs/linux-source-"$br"_*.deb | tar -xO "./usr/src/linux-source-$br.tar.xz" \
    | xz -dc -T0 | tar -x -C "$w/mod" --strip-components=3 --wildcards \
      "linux-source-$br/drivers/gpio/gpio-sim.c" "linux-source-$br/drivers/gpio/gpiolib.h" \
      "linux-source-$br/kernel/irq/irq_sim.c"
  mv "$w/mod/gpio-sim.c" "$w/mod/gpio-sim-main.c"
  # irq_to_desc() is not exported to modules; generic_handle_irq() does the same here
  # (desc->handle_irq == handle_simple_irq).
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$w/mod/irq_sim.c"
  grep -q 'generic_handle_irq(irqnum)' "$w/mod/irq_sim.c" || cannot "irq_sim.c patch did not apply (kernel source changed?)"
  printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' >"$w/mod/Makefile"
  make -s -C "$headers" M="$w/mod" "$@" modules >"$w/module-build.log" 2>&1 \
    || { tail -30 "$w/module-build.log" >&2; cannot "gpio-sim.ko build failed (see $w/module-build.log)"; }
  local vm_mod vm_kern
  vm_mod=$(modinfo -F vermagic "$w/mod/gpio-sim.ko")
  local ref
  ref=$(find "$kmods" -name 'configfs.ko*' -print -quit)
  [ -n "$ref" ] || ref=$(find "$kmods" -name '*.ko*' -print -quit)
  [ -n "$ref" ] || cannot "no module in $kmods to check gpio-sim.ko's vermagic against"
  vm_kern=$(modinfo -F vermagic "$ref")
  [ "$vm_mod" = "$vm_kern" ] || cannot "vermagic mismatch: gpio-sim.ko '$vm_mod', kernel '$vm_kern'"
  log "gpio-sim.ko vermagic: $vm_mod"
}

# copy_guest_modules <kernel-modules-dir> <dest> <module>...
# Copies (decompressing .ko.xz) each module the guest loads; one built into the kernel is skipped.
copy_guest_modules() {
  local kmods=$1 dest=$2 m f
  shift 2
  mkdir -p "$dest"
  for m in "$@"; do
    f=$(find "$kmods" -name "$m.ko*" | head -1)
    if [ -z "$f" ]; then
      grep -q "/$m.ko" "$kmods/modules.builtin" || cannot "kernel module $m not found in $kmods"
      log "$m is built in"
      continue
    fi
    case "$f" in
      *.xz) xz -dc "$f" >"$dest/$m.ko" ;;
      *) cp "$f" "$dest/$m.ko" ;;
    esac
  done
}
