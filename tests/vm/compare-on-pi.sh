#!/bin/sh
# The System.Device.Gpio comparison of the VM tier, on a real Raspberry Pi: a jumper wire from an output
# pin (driven by dpcpi-stimulus, a separate process) to an input pin (read by each contender in turn).
# See docs/system-device-gpio-comparison.md for building the binaries it needs.
# usage: compare-on-pi.sh --bin DIR [--chip /dev/gpiochip0] [--out-line 17] [--in-line 27] [--results DIR]
#   DIR holds dpcpi-stimulus, gpio_listen and sdg/ (the self-contained publish of tests/vm/sdg-reader).
# Environment, as in the tier: COMPARE_CONTENDERS, COMPARE_RATES, RATE_EDGES, BURST_EDGES, EDGES,
# INTERVAL_US, WARMUP, WARMUP_MS, PHASE_PAUSE_S, IDLE_LINES (default 1: a Pi's other lines belong to others).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BIN='' CHIP=/dev/gpiochip0 OUT_LINE=17 IN_LINE=27 RESULTS=./compare-results
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2 ;;
    --chip) CHIP=$2 ;;
    --out-line) OUT_LINE=$2 ;;
    --in-line) IN_LINE=$2 ;;
    --results) RESULTS=$2 ;;
    *) echo "compare-on-pi: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2 || { echo "compare-on-pi: $1 needs a value" >&2; exit 2; }
done
[ -x "${BIN:-/nonexistent}/dpcpi-stimulus" ] || { echo "compare-on-pi: --bin DIR must hold dpcpi-stimulus, gpio_listen and sdg/" >&2; exit 2; }
[ -e "$CHIP" ] || { echo "compare-on-pi: $CHIP does not exist" >&2; exit 2; }
export BIN
: "${COMPARE_CONTENDERS:=c dpcpi-reader dpcpi-driver libgpiod sysfs}" "${COMPARE_RATES:=2000 5000 10000 20000 50000}"
: "${RATE_EDGES:=5000}" "${BURST_EDGES:=1000}" "${EDGES:=5000}" "${INTERVAL_US:=1000}" "${WARMUP:=50}" "${WARMUP_MS:=1000}"
: "${PHASE_PAUSE_S:=1}" "${IDLE_LINES:=1}"
COMPARE_OUT=$RESULTS/compare LISTEN_CHIP=$CHIP LISTEN_LINE=$IN_LINE STIM_TARGET="--chip $CHIP --line $OUT_LINE"
mkdir -p "$COMPARE_OUT"
# shellcheck source=tests/vm/guest-compare.sh
. "$here/guest-compare.sh"
rc=0
for k in $COMPARE_CONTENDERS; do
  echo "== $k"
  compare_run "$k" || { echo "compare-on-pi: $k failed (see $COMPARE_OUT/$k/)"; rc=1; }
done
python3 -B "$here/compare.py" "$RESULTS"
exit "$rc"
