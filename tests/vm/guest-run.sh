#!/bin/sh
# Runs INSIDE the VM guest (chrooted on the host's /usr, started by guest-init.sh).
#   /mnt  = host staging dir (read-only): this script, gpio_reader, gpio-tests/, vm-tests/, cs-reader/, cli/, tier.env
#   /out  = host results dir (writable)
# Every step appends "STEP <name> rc=<rc> seconds=<s>" to /out/steps.txt; the host summarises.
# The exit code is non-zero if any step failed.
set -uf
# shellcheck source=/dev/null
. /mnt/tier.env
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_EnableDiagnostics=0
export TMPDIR=/tmp
OUT=/out
RC=0
PULL0="$DPCPI_GPIOSIM_SYSFS/sim_gpio0/pull"
: >"$OUT/steps.txt"

now() { cut -d' ' -f1 /proc/uptime; }
# centiseconds of uptime (no awk: /etc/alternatives does not exist in the chroot)
cs_now() { now | tr -d .; }
want() {
  case " ${STEPS:-all} " in
    *" all "* | *" $1 "*) return 0 ;;
  esac
  return 1
}
# step <name> <log> <command...>: runs the command, records its rc and duration.
step() {
  name=$1
  log=$2
  shift 2
  echo "TEST: step $name start (uptime $(now)s)"
  t0=$(cs_now)
  "$@" >"$OUT/$log" 2>&1
  rc=$?
  d=$(($(cs_now) - t0))
  secs=$((d / 100)).$(((d % 100) / 10))
  echo "STEP $name rc=$rc seconds=$secs" >>"$OUT/steps.txt"
  echo "TEST: step $name rc=$rc (${secs}s)"
  [ "$rc" = 0 ] || RC=1
  return 0
}

echo "TEST: guest $(uname -r) $(uname -m), $(nproc) cpus, chip=$DPCPI_GPIOSIM_CHIP sysfs=$DPCPI_GPIOSIM_SYSFS"
{
  echo "kernel=$(uname -r)"
  echo "chip=$DPCPI_GPIOSIM_CHIP"
  echo "sysfs=$DPCPI_GPIOSIM_SYSFS"
  echo "cpus=$(nproc)"
} >"$OUT/guest.txt"

# 1. latency: the C floor and the C# direct reader (same chip, line, interval and edge count),
#    in READER_ROUNDS rounds of alternating order (C first in odd rounds) so order effects cancel.
c_reader() {
  want c-reader && step "c-reader-$1" "c-reader-$1.txt" /mnt/gpio_reader "$DPCPI_GPIOSIM_CHIP" 0 "$PULL0" \
    "$EDGES" "$INTERVAL_US" "$OUT/c-reader-$1.json" "$WARMUP"
}
cs_reader() {
  want cs-reader && step "cs-reader-$1" "cs-reader-$1.txt" dotnet /mnt/cs-reader/dpcpi-vm-reader.dll \
    "$DPCPI_GPIOSIM_CHIP" 0 "$PULL0" "$EDGES" "$INTERVAL_US" "$OUT/cs-reader-$1.json" "$WARMUP"
}
r=1
while [ "$r" -le "$READER_ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then
    c_reader "$r"
    cs_reader "$r"
  else
    cs_reader "$r"
    c_reader "$r"
  fi
  r=$((r + 1))
done

# 2. the full DpcPi chain (edge -> ISR thread -> DPC), when the CLI has the gpio latency source.
if [ -f /mnt/cli/dpcpi.dll ] && want cli-latency; then
  step cli-latency cli-latency.txt dotnet /mnt/cli/dpcpi.dll latency --source gpio --chip "$DPCPI_GPIOSIM_CHIP" \
    --input-line 0 --drive-sysfs "$PULL0" -i "$INTERVAL_US" -l "$EDGES" --json "$OUT/cli-latency.json"
  # Informational, not counted: the same chain with Windows' classic 15.625 ms clock tick, to see how
  # much the 1 kHz tick on the ISR thread costs when every wake-up is emulated.
  echo "TEST: cli-latency with --tick 15625 (informational)"
  dotnet /mnt/cli/dpcpi.dll latency --source gpio --chip "$DPCPI_GPIOSIM_CHIP" --input-line 0 --drive-sysfs "$PULL0" \
    -i "$INTERVAL_US" -l "$EDGES" --tick 15625 -q --json "$OUT/cli-latency-tick15.json" > "$OUT/cli-latency-tick15.txt" 2>&1 || true
fi

# 3. xunit suites, Category=Kernel only, serially (timing-sensitive).
run_xunit() {
  # run_xunit <name> <dll>
  if [ -f "$2" ] && want "$1"; then
    # XUNIT_ARGS (word-split on purpose) narrows the run, e.g. -method "*Burst*"
    # shellcheck disable=SC2086
    step "$1" "$1.log" dotnet "$2" -trait "Category=Kernel" -parallel none -noColor -noAutoReporters \
      -xml "$OUT/$1.xml" -trx "$OUT/$1.trx" ${XUNIT_ARGS:-}
  fi
}
run_xunit vm-tests /mnt/vm-tests/DpcPi.Vm.Tests.dll
run_xunit gpio-tests /mnt/gpio-tests/DpcPi.Gpio.Tests.dll

echo "TEST: all steps done (uptime $(now)s), rc=$RC"
exit "$RC"
