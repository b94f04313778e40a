#!/bin/bash
# DpcPi real-kernel test tier: boots the current Debian kernel under qemu (TCG) with a gpio-sim
# chip, runs the Category=Kernel tests + the C/C# latency readers inside, brings the results back.
# DPCPI_VM_ARCH=x86_64 (default) boots Debian's amd64 kernel and runs framework-dependent builds on
# the host's /usr; DPCPI_VM_ARCH=arm64 (tests/vm/run-arm64.sh) boots Debian's arm64 kernel under
# qemu-system-aarch64 and runs self-contained linux-arm64 publishes (the CLI as deploy.sh ships it).
# See tests/vm/README.md.
#
# Exit codes: 0 all passed; 1 something failed (or the guest did not finish); 3 the tier could not
# run at all (VM TIER SKIPPED: qemu/kernel could not be prepared or booted) -- nothing passed.
# Last stdout line: "vm: N passed, N failed[, N skipped]" ("vm-arm64: ..." for arm64).
set -euo pipefail

# Tests the tier runs when complete (8 DpcPi.Vm.Tests + 19 Gpio contract + 4x3 latency readers (4 rounds, the default) +
# dpcpi latency + dpcpi doctor and its VM finding + 6 comparison contenders and 4 "nothing lost silently"
# checks for those with seqnos + 5 Iot.Device.Bindings tests on gpio-sim + the stimulus on an output line +
# dpcpi latency --source sdg + dpcpi run with Source:Kind=sdg + the 7 labs on a sim header with dpcpi-labdev), per architecture; a skipped
# tier reports this many skipped (test.sh reads it for DPCPI_SKIP_VM=1).
EXPECTED_VM_TESTS=68
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ARCH=${DPCPI_VM_ARCH:-x86_64}
case "$ARCH" in
  x86_64) TIER=vm ;;
  arm64) TIER=vm-arm64 ;;
  *) echo "vm: DPCPI_VM_ARCH must be x86_64 or arm64, not '$ARCH'" >&2; exit 2 ;;
esac
if [ "$ARCH" = arm64 ]; then RESULTS=${DPCPI_VM_RESULTS:-$HERE/results-arm64}; else RESULTS=${DPCPI_VM_RESULTS:-$HERE/results}; fi
ART=${DPCPI_VM_ARTIFACTS:-/tmp/art-vm}
GUEST_TIMEOUT=${DPCPI_VM_TIMEOUT:-1500}    # seconds for the qemu run (TCG is slow while others build; arm64 under stress: ~900)
TOTAL_TIMEOUT=${DPCPI_VM_TOTAL_TIMEOUT:-2400} # seconds for everything (cold: apt + downloads + builds)
EDGES=${DPCPI_VM_EDGES:-1000}
INTERVAL_US=${DPCPI_VM_INTERVAL_US:-1000}
WARMUP=${DPCPI_VM_WARMUP:-50}
WARMUP_MS=${DPCPI_VM_WARMUP_MS:-1000}
READER_ROUNDS=${DPCPI_VM_READER_ROUNDS:-4}
STEPS=${DPCPI_VM_STEPS:-all}
XUNIT_ARGS=${DPCPI_VM_XUNIT_ARGS:-}
STEP_LIMIT=${DPCPI_VM_STEP_LIMIT:-300} # seconds per guest step before it is killed (longest under stress: ~90)
# The System.Device.Gpio comparison (guest-compare.sh): contenders, loss-test rates (edges/s), edges per
# rate, burst size, the pause between phases and the lines each contender opens for its idle cost.
# dpcpi-driver-worker: the driver on DpcPi's general kernel defaults (a DPC worker per pinned core), measured
# beside the driver's own defaults (the ISR thread runs the DPCs, nothing pinned), which the numbers chose.
COMPARE_CONTENDERS=${DPCPI_VM_COMPARE:-c dpcpi-reader dpcpi-driver dpcpi-driver-worker libgpiod sysfs}
COMPARE_RATES=${DPCPI_VM_COMPARE_RATES:-2000 5000 10000 20000 50000}
RATE_EDGES=${DPCPI_VM_RATE_EDGES:-2000}
BURST_EDGES=${DPCPI_VM_BURST_EDGES:-1000}
PHASE_PAUSE_S=${DPCPI_VM_PHASE_PAUSE_S:-1}
IDLE_LINES=${DPCPI_VM_IDLE_LINES:-8}
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
    echo "$TIER: ERROR: the VM tier exceeded its overall timeout of ${TOTAL_TIMEOUT}s (DPCPI_VM_TOTAL_TIMEOUT)" >&2
    echo "$TIER: 0 passed, 1 failed"
    exit 1
  fi
  exit "$rc"
fi

T0=$(date +%s.%N)
QPID=
STAGE=
log() { echo "$TIER: $*" >&2; }
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
  echo "$TIER: 0 passed, 1 failed"
  exit 1
}
trap cleanup EXIT
trap on_signal INT TERM

# summarize <status> <reason> [extra summarize.py args...]; exits with its code.
summarize() {
  local status=$1 reason=$2
  shift 2
  set +e
  python3 -B "$HERE/summarize.py" "$RESULTS" --tier "$TIER" --status "$status" --reason "$reason" --wall "$(wall)" "$@"
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
  printf '{"tier": "%s", "status": "skipped", "reason": "%s", "passed": 0, "failed": 0, "skipped": %s}\n' \
    "$TIER" "${1//\"/\'}" "$EXPECTED_VM_TESTS" >"$RESULTS/vm-result.json"
  echo "$TIER: 0 passed, 0 failed, $EXPECTED_VM_TESTS skipped"
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
PREPARE=prepare.sh
[ "$ARCH" = arm64 ] && PREPARE=prepare-arm64.sh
set +e
bash "$HERE/$PREPARE" "$ENVF" 2> >(tee "$RESULTS/prepare.log" >&2)
prc=$?
set -e
if [ "$prc" = 3 ]; then
  skip_tier "$(grep 'CANNOT PREPARE' "$RESULTS/prepare.log" | tail -1 | sed 's/^.*CANNOT PREPARE: //')"
elif [ "$prc" != 0 ]; then
  skip_tier "guest preparation failed (rc=$prc), see $RESULTS/prepare.log"
fi
# shellcheck disable=SC1090
. "$ENVF"
T_PREP=$(wall)
log "guest ready after ${T_PREP}s: kernel $KV"

# 2. host builds, one at a time (the machine is shared): C reader and stimulus, test assemblies, readers.
#    x86_64: framework-dependent builds (the guest runs the host's dotnet); arm64: self-contained
#    linux-arm64 publishes (the guest has no .NET), the CLI exactly as deploy.sh ships it.
STAGE=$(mktemp -d /tmp/dpcpi-vm-stage.XXXXXX)
SKIPS=()
NOTES=()
BUILD_LOG="$RESULTS/host-build.log"
: >"$BUILD_LOG"
# dnstage <stage-dir> <project> <assembly>: builds a project for the guest into $STAGE/<stage-dir>
dnstage() {
  log "dotnet build $2 ($ARCH)"
  rm -rf "${STAGE:?}/$1"
  if [ "$ARCH" = arm64 ]; then
    timeout 900 dotnet publish "$REPO/$2" -c Release -r linux-arm64 --self-contained --artifacts-path "$ART" \
      -o "$STAGE/$1" -nologo -v q >>"$BUILD_LOG" 2>&1 || { grep -E 'error' "$BUILD_LOG" | sort -u | tail -20 >&2; return 1; }
  else
    timeout 900 dotnet build "$REPO/$2" -c Release --artifacts-path "$ART" -nologo -v q >>"$BUILD_LOG" 2>&1 \
      || { grep -E 'error' "$BUILD_LOG" | sort -u | tail -20 >&2; return 1; }
    cp -a "$ART/bin/$3/release" "$STAGE/$1"
  fi
}
CC=gcc
[ "$ARCH" = arm64 ] && CC=aarch64-linux-gnu-gcc
for c in "gpio_reader:$HERE/c-reader/gpio_reader.c" "gpio_listen:$HERE/c-reader/gpio_listen.c" "dpcpi-stimulus:$REPO/src/DpcPi.Stimulus/dpcpi-stimulus.c" \
  "dpcpi-labdev:$HERE/lab-devices/dpcpi-labdev.c"; do
  if $CC -O2 -static -Wall -pthread -o "$STAGE/${c%%:*}" "${c#*:}" >>"$BUILD_LOG" 2>&1; then
    NOTES+=("${c%%:*} built static ($CC)")
  elif [ "$ARCH" = x86_64 ] && $CC -O2 -Wall -pthread -o "$STAGE/${c%%:*}" "${c#*:}" >>"$BUILD_LOG" 2>&1; then
    NOTES+=("${c%%:*} built dynamic (static link failed)")
  else
    fail_tier "$CC could not build ${c#*:} (see $BUILD_LOG)"
  fi
done
EXPECT=()
[ "$STEPS" = all ] || NOTES+=("only steps: $STEPS")
[ -z "$XUNIT_ARGS" ] || NOTES+=("xunit args: $XUNIT_ARGS")
want() { [ "$STEPS" = all ] || [[ " $STEPS " == *" $1 "* ]]; }
for ((r = 1; r <= READER_ROUNDS; r++)); do
  if want c-reader; then EXPECT+=("c-reader-$r" "c-fifo-$r"); fi
  if want cs-reader; then EXPECT+=("cs-reader-$r"); fi
done
if want cs-reader; then
  dnstage cs-reader tests/vm/cs-reader/DpcPi.VmReader.csproj DpcPi.VmReader || fail_tier "building tests/vm/cs-reader failed (see $BUILD_LOG)"
fi
if want compare; then
  for k in $COMPARE_CONTENDERS; do EXPECT+=("compare-$k"); done
  if [[ " $COMPARE_CONTENDERS " != " c " ]]; then
    dnstage sdg tests/vm/sdg-reader/DpcPi.VmSdgReader.csproj DpcPi.VmSdgReader || fail_tier "building tests/vm/sdg-reader failed (see $BUILD_LOG)"
  fi
fi
if want vm-tests; then
  dnstage vm-tests tests/DpcPi.Vm.Tests/DpcPi.Vm.Tests.csproj DpcPi.Vm.Tests || fail_tier "building tests/DpcPi.Vm.Tests failed (see $BUILD_LOG)"
  EXPECT+=(vm-tests)
fi
if want gpio-tests; then
  dnstage gpio-tests tests/DpcPi.Gpio.Tests/DpcPi.Gpio.Tests.csproj DpcPi.Gpio.Tests || fail_tier "building tests/DpcPi.Gpio.Tests failed (see $BUILD_LOG)"
  EXPECT+=(gpio-tests)
fi
if want sdg-tests; then
  dnstage sdg-tests tests/DpcPi.SystemDeviceGpio.Tests/DpcPi.SystemDeviceGpio.Tests.csproj DpcPi.SystemDeviceGpio.Tests \
    || fail_tier "building tests/DpcPi.SystemDeviceGpio.Tests failed (see $BUILD_LOG)"
  EXPECT+=(sdg-tests)
fi
if want labs-tests; then
  dnstage labs-tests tests/DpcPi.Labs.Tests/DpcPi.Labs.Tests.csproj DpcPi.Labs.Tests || fail_tier "building tests/DpcPi.Labs.Tests failed (see $BUILD_LOG)"
  EXPECT+=(labs-tests)
fi
if want stimulus-chip; then EXPECT+=(stimulus-chip); fi
if want cli-latency || want doctor; then
  if [ "$ARCH" = arm64 ]; then
    # The very bundle deploy.sh would ship to a Pi (self-contained linux-arm64, dpcpi-stimulus beside it).
    log "deploy.sh --build-only (the Pi bundle)"
    "$REPO/deploy.sh" --build-only --publish-dir "$STAGE/cli" >>"$BUILD_LOG" 2>&1 || fail_tier "deploy.sh --build-only failed (see $BUILD_LOG)"
    NOTES+=("cli: the bundle deploy.sh ships ($(du -sh "$STAGE/cli" | cut -f1))")
  else
    dnstage cli src/DpcPi.Cli/DpcPi.Cli.csproj DpcPi.Cli || fail_tier "building src/DpcPi.Cli failed (see $BUILD_LOG)"
  fi
  [ -x "$STAGE/cli/dpcpi-stimulus" ] || fail_tier "the CLI build has no dpcpi-stimulus next to dpcpi (see $BUILD_LOG)"
  if want doctor; then EXPECT+=(doctor); fi
  if want cli-latency; then EXPECT+=(cli-latency cli-latency-sdg service-sdg); fi
fi
cp "$HERE/guest-run.sh" "$HERE/guest-compare.sh" "$STAGE/"
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "EDGES=$(sq "$EDGES")"
  echo "INTERVAL_US=$(sq "$INTERVAL_US")"
  echo "WARMUP=$(sq "$WARMUP")"
  echo "WARMUP_MS=$(sq "$WARMUP_MS")"
  echo "READER_ROUNDS=$(sq "$READER_ROUNDS")"
  echo "STEPS=$(sq "$STEPS")"
  echo "XUNIT_ARGS=$(sq "$XUNIT_ARGS")"
  echo "STEP_LIMIT=$(sq "$STEP_LIMIT")"
  echo "COMPARE_CONTENDERS=$(sq "$COMPARE_CONTENDERS")"
  echo "COMPARE_RATES=$(sq "$COMPARE_RATES")"
  echo "RATE_EDGES=$(sq "$RATE_EDGES")"
  echo "BURST_EDGES=$(sq "$BURST_EDGES")"
  echo "PHASE_PAUSE_S=$(sq "$PHASE_PAUSE_S")"
  echo "IDLE_LINES=$(sq "$IDLE_LINES")"
} >"$STAGE/tier.env"
T_BUILD=$(wall)
log "host builds done after ${T_BUILD}s"

# 3. boot the guest under TCG (KVM is not available here)
SHARES=(-virtfs "local,path=$STAGE,mount_tag=share,security_model=none,readonly=on"
  -virtfs "local,path=$RESULTS,mount_tag=out,security_model=none")
if [ "$ARCH" = arm64 ]; then
  QEMU=qemu-system-aarch64
  # cortex-a72 is the Pi 4's core; -cpu max is ~2.5x slower under TCG (it emulates pointer authentication)
  QARGS=(-M virt -cpu cortex-a72 -append "console=ttyAMA0 panic=-1 quiet loglevel=3")
else
  QEMU=qemu-system-x86_64
  QARGS=(-cpu max -append "console=ttyS0 panic=-1 quiet loglevel=3"
    -virtfs "local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on")
  [ -f /usr/share/qemu/qboot.rom ] && QARGS+=(-bios /usr/share/qemu/qboot.rom)
fi
command -v "$QEMU" >/dev/null || skip_tier "$QEMU is not installed"
CONSOLE="$RESULTS/console.log"
log "booting guest ($QEMU TCG, timeout ${GUEST_TIMEOUT}s); console: $CONSOLE"
TQ0=$(date +%s)
TICKS0=$(cpu_ticks)
timeout -k 10 "$GUEST_TIMEOUT" "$QEMU" -accel tcg -m "$MEM" -smp 2 \
  -nodefaults -no-user-config -nographic -serial stdio -monitor none -no-reboot \
  -kernel "$KERNEL" -initrd "$INITRD" "${QARGS[@]}" "${SHARES[@]}" \
  </dev/null >"$CONSOLE" 2>&1 &
QPID=$!
# The host's load during each guest step (what else ran here moves the emulated latencies): once a
# second, the time, load average, CPU ticks (all, steal) and qemu's own ticks, and how far the console got.
bash "$HERE/host-sampler.sh" "$QPID" "$CONSOLE" >"$RESULTS/host-load.txt" 2>/dev/null &
SPID=$!
set +e
wait "$QPID"
QRC=$?
set -e
kill "$SPID" 2>/dev/null || true
QPID=
T_GUEST=$(($(date +%s) - TQ0))
grep -aE '^(INIT|TEST|STEP )' "$CONSOLE" >&2 || true
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
echo "$TIER tier wall time: $(wall) s"
summarize "$STATUS" "$REASON" --expect "${EXPECT[@]}" --skip "${SKIPS[@]}" --note "${NOTES[@]}"
