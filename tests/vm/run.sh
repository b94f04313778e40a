#!/bin/bash
# DpcPi real-kernel test tier: boots the current Debian kernel under qemu (TCG) with a gpio-sim
# chip, runs the Category=Kernel tests + the C/C# latency readers inside, brings the results back.
# See tests/vm/README.md.
#
# Exit codes: 0 all passed; 1 something failed (or the guest did not finish); 3 the tier could not
# run at all (VM TIER SKIPPED: qemu/kernel could not be prepared or booted) -- nothing passed.
# Last stdout line: "vm: N passed, N failed[, N skipped]".
set -euo pipefail

# Tests the tier runs when complete (8 DpcPi.Vm.Tests + 19 Gpio contract + 2x2 latency readers +
# dpcpi latency); a skipped tier reports this many skipped (test.sh reads it for DPCPI_SKIP_VM=1).
EXPECTED_VM_TESTS=32
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RESULTS=${DPCPI_VM_RESULTS:-$HERE/results}
ART=${DPCPI_VM_ARTIFACTS:-/tmp/art-vm}
GUEST_TIMEOUT=${DPCPI_VM_TIMEOUT:-900}     # seconds for the qemu run (TCG is slow while others build)
TOTAL_TIMEOUT=${DPCPI_VM_TOTAL_TIMEOUT:-2400} # seconds for everything (cold: apt + downloads + builds)
EDGES=${DPCPI_VM_EDGES:-1000}
INTERVAL_US=${DPCPI_VM_INTERVAL_US:-1000}
WARMUP=${DPCPI_VM_WARMUP:-50}
READER_ROUNDS=${DPCPI_VM_READER_ROUNDS:-2}
STEPS=${DPCPI_VM_STEPS:-all}
XUNIT_ARGS=${DPCPI_VM_XUNIT_ARGS:-}
MEM=${DPCPI_VM_MEM:-2048}

# Overall timeout: re-run this script under timeout(1) once; the TERM trap below cleans up.
if [ -z "${DPCPI_VM_INNER:-}" ]; then
  export DPCPI_VM_INNER=1
  set +e
  timeout --foreground -k 30 "$TOTAL_TIMEOUT" "$0" "$@" &
  tpid=$!
  # forward INT/TERM to the inner run, whose trap stops qemu
  trap 'kill -TERM "$tpid" 2>/dev/null' INT TERM
  wait "$tpid"
  rc=$?
  while kill -0 "$tpid" 2>/dev/null; do
    wait "$tpid"
    rc=$?
  done
  set -e
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "vm: ERROR: the VM tier exceeded its overall timeout of ${TOTAL_TIMEOUT}s (DPCPI_VM_TOTAL_TIMEOUT)" >&2
    echo "vm: 0 passed, 1 failed"
    exit 1
  fi
  exit "$rc"
fi

T0=$(date +%s.%N)
QPID=
STAGE=
log() { echo "vm: $*" >&2; }
wall() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}'; }
# "total steal" ticks of all CPUs from /proc/stat's summary line (steal: the time the hypervisor ran others).
cpu_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9; exit }' /proc/stat 2>/dev/null || true; }

# shellcheck disable=SC2317  # invoked from traps
cleanup() {
  if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
    log "stopping qemu (pid $QPID)"
    kill "$QPID" 2>/dev/null || true
    sleep 1
    kill -9 "$QPID" 2>/dev/null || true
  fi
  [ -n "$STAGE" ] && rm -rf "$STAGE"
  return 0
}
# shellcheck disable=SC2317  # invoked from traps
on_signal() {
  log "interrupted"
  trap - INT TERM
  cleanup
  QPID=
  if [ -d "$RESULTS" ] && command -v python3 >/dev/null; then
    summarize unfinished "interrupted by a signal (overall timeout DPCPI_VM_TOTAL_TIMEOUT=${TOTAL_TIMEOUT}s or Ctrl-C)"
  fi
  echo "vm: 0 passed, 1 failed"
  exit 1
}
trap cleanup EXIT
trap on_signal INT TERM

# summarize <status> <reason> [extra summarize.py args...]; exits with its code.
summarize() {
  local status=$1 reason=$2
  shift 2
  set +e
  python3 -B "$HERE/summarize.py" "$RESULTS" --status "$status" --reason "$reason" --wall "$(wall)" "$@"
  local rc=$?
  set -e
  exit "$rc"
}

skip_tier() {
  echo "" >&2
  echo "********************************************************************" >&2
  echo "VM TIER SKIPPED: $1" >&2
  echo "********************************************************************" >&2
  echo "VM TIER SKIPPED: $1"
  if command -v python3 >/dev/null; then
    summarize skipped "$1" --skipped-count "$EXPECTED_VM_TESTS"
  fi
  printf '{"tier": "vm", "status": "skipped", "reason": "%s", "passed": 0, "failed": 0, "skipped": %s}\n' \
    "${1//\"/\'}" "$EXPECTED_VM_TESTS" >"$RESULTS/vm-result.json"
  echo "vm: 0 passed, 0 failed, $EXPECTED_VM_TESTS skipped"
  exit 3
}

fail_tier() {
  log "ERROR: $1"
  summarize unfinished "$1" --fail-name host-build
}

mkdir -p "$RESULTS"
find "$RESULTS" -mindepth 1 -delete
log "results: $RESULTS"

# 1. guest: kernel, gpio-sim.ko, initramfs (cached)
ENVF="$RESULTS/prepare.env"
set +e
bash "$HERE/prepare.sh" "$ENVF" 2> >(tee "$RESULTS/prepare.log" >&2)
prc=$?
set -e
if [ "$prc" = 3 ]; then
  skip_tier "$(grep 'CANNOT PREPARE' "$RESULTS/prepare.log" | tail -1 | sed 's/^vm-prepare: CANNOT PREPARE: //')"
elif [ "$prc" != 0 ]; then
  skip_tier "guest preparation failed (rc=$prc), see $RESULTS/prepare.log"
fi
# shellcheck disable=SC1090
. "$ENVF"
T_PREP=$(wall)
log "guest ready after ${T_PREP}s: kernel $KV"

# 2. host builds, one at a time (the machine is shared): C reader, test assemblies, readers
STAGE=$(mktemp -d /tmp/dpcpi-vm-stage.XXXXXX)
SKIPS=()
NOTES=()
BUILD_LOG="$RESULTS/host-build.log"
: >"$BUILD_LOG"
dnbuild() {
  log "dotnet build $1"
  if ! timeout 900 dotnet build "$REPO/$1" -c Release --artifacts-path "$ART" -nologo -v q >>"$BUILD_LOG" 2>&1; then
    grep -E 'error|Error' "$BUILD_LOG" | sort -u | tail -20 >&2 || true
    return 1
  fi
}
if gcc -O2 -static -Wall -pthread -o "$STAGE/gpio_reader" "$HERE/c-reader/gpio_reader.c" >>"$BUILD_LOG" 2>&1; then
  NOTES+=("C reader built static")
elif gcc -O2 -Wall -pthread -o "$STAGE/gpio_reader" "$HERE/c-reader/gpio_reader.c" >>"$BUILD_LOG" 2>&1; then
  NOTES+=("C reader built dynamic (static link failed)")
else
  fail_tier "gcc could not build tests/vm/c-reader/gpio_reader.c (see $BUILD_LOG)"
fi
EXPECT=()
[ "$STEPS" = all ] || NOTES+=("only steps: $STEPS")
[ -z "$XUNIT_ARGS" ] || NOTES+=("xunit args: $XUNIT_ARGS")
want() { [ "$STEPS" = all ] || [[ " $STEPS " == *" $1 "* ]]; }
for ((r = 1; r <= READER_ROUNDS; r++)); do
  if want c-reader; then EXPECT+=("c-reader-$r"); fi
  if want cs-reader; then EXPECT+=("cs-reader-$r"); fi
done
if want cs-reader; then
  dnbuild tests/vm/cs-reader/DpcPi.VmReader.csproj || fail_tier "building tests/vm/cs-reader failed (see $BUILD_LOG)"
  cp -a "$ART/bin/DpcPi.VmReader/release" "$STAGE/cs-reader"
fi
if want vm-tests; then
  dnbuild tests/DpcPi.Vm.Tests/DpcPi.Vm.Tests.csproj || fail_tier "building tests/DpcPi.Vm.Tests failed (see $BUILD_LOG)"
  cp -a "$ART/bin/DpcPi.Vm.Tests/release" "$STAGE/vm-tests"
  EXPECT+=(vm-tests)
fi
if want gpio-tests; then
  if grep -rqs "LinuxGpioBackendContractTests" "$REPO/tests/DpcPi.Gpio.Tests" --include='*.cs'; then
    dnbuild tests/DpcPi.Gpio.Tests/DpcPi.Gpio.Tests.csproj || fail_tier "building tests/DpcPi.Gpio.Tests failed (see $BUILD_LOG)"
    cp -a "$ART/bin/DpcPi.Gpio.Tests/release" "$STAGE/gpio-tests"
    EXPECT+=(gpio-tests)
  else
    SKIPS+=("gpio-contract-tests=LinuxGpioBackendContractTests not in tests/DpcPi.Gpio.Tests yet")
  fi
fi
if want cli-latency; then
  if grep -rqs -- "drive-sysfs" "$REPO/src/DpcPi.Cli" --include='*.cs'; then
    dnbuild src/DpcPi.Cli/DpcPi.Cli.csproj || fail_tier "building src/DpcPi.Cli failed (see $BUILD_LOG)"
    cp -a "$ART/bin/DpcPi.Cli/release" "$STAGE/cli"
    EXPECT+=(cli-latency)
  else
    SKIPS+=("cli-latency=dpcpi latency --source gpio (--drive-sysfs) not in src/DpcPi.Cli yet")
  fi
fi
cp "$HERE/guest-run.sh" "$STAGE/guest-run.sh"
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "EDGES=$(sq "$EDGES")"
  echo "INTERVAL_US=$(sq "$INTERVAL_US")"
  echo "WARMUP=$(sq "$WARMUP")"
  echo "READER_ROUNDS=$(sq "$READER_ROUNDS")"
  echo "STEPS=$(sq "$STEPS")"
  echo "XUNIT_ARGS=$(sq "$XUNIT_ARGS")"
} >"$STAGE/tier.env"
T_BUILD=$(wall)
log "host builds done after ${T_BUILD}s"

# 3. boot the guest under TCG
command -v qemu-system-x86_64 >/dev/null || skip_tier "qemu-system-x86_64 is not installed"
BIOS=()
[ -f /usr/share/qemu/qboot.rom ] && BIOS=(-bios /usr/share/qemu/qboot.rom)
CONSOLE="$RESULTS/console.log"
log "booting guest (qemu TCG, timeout ${GUEST_TIMEOUT}s); console: $CONSOLE"
TQ0=$(date +%s)
TICKS0=$(cpu_ticks)
timeout -k 10 "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m "$MEM" -smp 2 \
  -nodefaults -no-user-config -nographic -serial stdio -monitor none -no-reboot "${BIOS[@]}" \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3" \
  -virtfs local,path="$STAGE",mount_tag=share,security_model=none,readonly=on \
  -virtfs local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on \
  -virtfs local,path="$RESULTS",mount_tag=out,security_model=none \
  </dev/null >"$CONSOLE" 2>&1 &
QPID=$!
set +e
wait "$QPID"
QRC=$?
set -e
QPID=
T_GUEST=$(($(date +%s) - TQ0))
grep -E '^(INIT|TEST|STEP)' "$CONSOLE" >&2 || true
log "qemu exited rc=$QRC after ${T_GUEST}s"

if ! grep -q '^INIT: start' "$CONSOLE"; then
  if [ "$QRC" = 124 ]; then
    fail_tier "the guest never reached /init within ${GUEST_TIMEOUT}s (see $CONSOLE)"
  fi
  skip_tier "qemu could not boot the guest (rc=$QRC): $(grep -v '^\s*$' "$CONSOLE" | tail -1)"
fi
NOTES+=("timings: prepare ${T_PREP}s, host builds done at ${T_BUILD}s, guest ${T_GUEST}s")
# The guest's figures are the host's too: say how much of the host's CPU time its hypervisor took meanwhile.
TICKS1=$(cpu_ticks)
if [ -n "$TICKS0" ] && [ -n "$TICKS1" ]; then
  NOTES+=("host steal during the guest run: $(awk -v a="$TICKS0" -v b="$TICKS1" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; printf "%.1f%%", (t > 0 ? 100 * (y[2] - x[2]) / t : 0) }') of this machine's CPU time (the hypervisor ran others; emulated latencies include it)")
fi
STATUS=ran
REASON=
if ! grep -q '^INIT: TEST_EXIT=' "$CONSOLE"; then
  STATUS=unfinished
  if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    REASON="guest timed out after ${GUEST_TIMEOUT}s (DPCPI_VM_TIMEOUT); see $CONSOLE"
  else
    REASON="guest stopped without finishing (qemu rc=$QRC); see $CONSOLE"
  fi
elif ! grep -q '^INIT: TEST_EXIT=0' "$CONSOLE"; then
  NOTES+=("guest: $(grep '^INIT: TEST_EXIT=' "$CONSOLE")")
fi
echo "vm tier wall time: $(wall) s"
summarize "$STATUS" "$REASON" --expect "${EXPECT[@]}" --skip "${SKIPS[@]}" --note "${NOTES[@]}"
