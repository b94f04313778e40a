#!/bin/sh
# Runs INSIDE the VM guest: the System.Device.Gpio comparison. One contender listens on line 0 of the gpio-sim chip (plus IDLE_LINES - 1 more lines for its
# idle cost) while dpcpi-stimulus, a separate process at normal priority, makes the same phases of edges
# for every contender:
#   paced   WARMUP + EDGES edges at INTERVAL_US (write->handler latency; the warm-up is not counted)
#   rate-R  RATE_EDGES edges at each rate R of COMPARE_RATES (edges/s; loss)
#   burst   BURST_EDGES writes back to back (loss)
# A pause between phases lets a slow contender catch up, so every handler belongs to one phase.
# The contender writes its handler records on SIGTERM; the host (tests/vm/compare.py) matches them with
# the stimulus's write logs (phase-*.log) and its seqnos.
# Sourced by guest-run.sh, which runs each contender as a step:
#   step compare-<name> <log> compare_run <name>
# <name> is c (tests/vm/c-reader/gpio_listen.c) or a contender of tests/vm/sdg-reader (dpcpi-reader,
# dpcpi-driver, libgpiod, sysfs).

# phase <dir> <name> <interval_us> <edges>: one run of the stimulus, then a pause for the contender to drain.
phase() {
  echo "phase $2: $4 edges, interval $3 us"
  # shellcheck disable=SC2086 # STIM_TARGET is two or four words on purpose
  "$BIN/dpcpi-stimulus" $STIM_TARGET --interval-us "$3" --edges "$4" --log "$1/phase-$2.log" >"$1/phase-$2.txt" 2>&1 || crc=1
  sleep "$PHASE_PAUSE_S"
}

# Where things are (the guest's defaults; tests/vm/compare-on-pi.sh sets them for a Pi): BIN holds
# dpcpi-stimulus, gpio_listen and sdg/; STIM_TARGET is the stimulus's target; LISTEN_CHIP/LISTEN_LINE the
# measured input; COMPARE_OUT the results.
: "${BIN:=/mnt}" "${COMPARE_OUT:=/out/compare}" "${LISTEN_CHIP:=${DPCPI_GPIOSIM_CHIP:-}}" "${LISTEN_LINE:=0}"
: "${STIM_TARGET:=--pull ${PULL0:-}}"

compare_run() {
  cname=$1
  D=$COMPARE_OUT/$cname
  crc=0
  mkdir -p "$D"
  rm -f "$D"/*
  # shellcheck disable=SC2086
  "$BIN/dpcpi-stimulus" $STIM_TARGET --set 0 || return 1
  sleep 0.1
  # exec: the SIGTERM below must reach the listener itself, not a subshell
  (
    set -- "$LISTEN_CHIP" "$LISTEN_LINE" "$D/handler.txt" "$IDLE_LINES"
    if [ "$cname" = c ]; then
      exec "$BIN/gpio_listen" "$@"
    elif [ -f "$BIN/sdg/libcoreclr.so" ]; then
      exec "$BIN/sdg/dpcpi-vm-sdg" "$cname" "$@"
    else
      exec dotnet "$BIN/sdg/dpcpi-vm-sdg.dll" "$cname" "$@"
    fi
  ) >"$D/listener.txt" 2>&1 &
  lpid=$!
  # ready after its 3 s idle measurement; .NET under TCG takes a few seconds more to start
  i=0
  while [ ! -f "$D/handler.txt.ready" ]; do
    if ! kill -0 "$lpid" 2>/dev/null || [ "$i" -ge 600 ]; then
      echo "guest-compare: $cname did not become ready (see listener.txt)"
      kill -KILL "$lpid" 2>/dev/null
      return 1
    fi
    sleep 0.1
    i=$((i + 1))
  done

  w=$((WARMUP_MS * 1000 / INTERVAL_US))
  [ "$w" -gt "$WARMUP" ] || w=$WARMUP
  w=$(((w + 1) / 2 * 2)) # even counts leave the line low for the next phase
  echo "warmup=$w" >"$D/phases.txt"
  phase "$D" paced "$INTERVAL_US" $((w + EDGES))
  for r in $COMPARE_RATES; do
    phase "$D" "rate-$r" $((1000000 / r)) "$RATE_EDGES"
  done
  phase "$D" burst 0 "$BURST_EDGES"

  kill -TERM "$lpid"
  wait "$lpid" || crc=1
  [ -s "$D/handler.txt" ] || { echo "guest-compare: $cname recorded nothing"; crc=1; }
  return "$crc"
}
