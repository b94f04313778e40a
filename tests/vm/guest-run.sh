#!/bin/sh
# Runs INSIDE the VM guest, x86-64 or arm64 (started by guest-init.sh: on x86-64 chrooted on the host's
# /usr and running framework-dependent builds with the host's dotnet; on arm64 straight from the
# initramfs, running self-contained linux-arm64 publishes).
#   /mnt  = host staging dir (read-only): this script, guest-compare.sh, gpio_reader, gpio_listen,
#           dpcpi-stimulus, dpcpi-labdev, gpio-tests/, vm-tests/, labs-tests/, cs-reader/, sdg/, cli/, tier.env
#   /out  = host results dir (writable)
# Every latency step takes its edges from dpcpi-stimulus, a separate process at normal priority.
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
# net <dir> <name> args...: a self-contained publish (its runtime beside it) runs as its own executable,
# a framework-dependent build through the dotnet on PATH.
# shellcheck disable=SC2317 # invoked through step and bounded
net() {
  d=/mnt/$1
  n=$2
  shift 2
  if [ -f "$d/libcoreclr.so" ]; then
    "$d/$n" "$@"
  else
    dotnet "$d/$n.dll" "$@"
  fi
}
has_net() { [ -f "/mnt/$1/$2.dll" ] || [ -x "/mnt/$1/$2" ]; }
STIMULUS=/mnt/dpcpi-stimulus
# centiseconds of uptime (no awk: /etc/alternatives does not exist in the chroot)
cs_now() { now | tr -d .; }
want() {
  case " ${STEPS:-all} " in
    *" all "* | *" $1 "*) return 0 ;;
  esac
  return 1
}
# Every step runs under a time limit (STEP_LIMIT s, tier.env): a step that hangs is killed and fails alone,
# where it used to hold the guest until the host's timeout and fail every step after it. Before the kill,
# every user thread is listed twice, 2 s apart (state, CPU, policy and priority, CPU time, wait channel,
# syscall, kernel stack), so a spin shows as CPU time that grew and a block as the same wait channel.
dump_tasks() (
  set +f # the script runs with globbing off
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
    [ -n "$cmd" ] || continue # kernel threads (proc files have no size: test the content)
    echo "== pid ${p#/proc/}: $cmd"
    for t in "$p"/task/*; do
      # stat after "pid (comm)": state is its 1st field, utime/stime 12th/13th, last CPU 37th, rt priority 38th, policy 39th
      echo "-- tid ${t##*/} [$(cat "$t/comm" 2>/dev/null)] $(cut -d')' -f2- "$t/stat" 2>/dev/null)"
      echo "   schedstat=$(cat "$t/schedstat" 2>/dev/null) wchan=$(cat "$t/wchan" 2>/dev/null) syscall=$(cat "$t/syscall" 2>/dev/null)"
      sed 's/^/   /' "$t/stack" 2>/dev/null
    done
  done
)
# kill_tree <pid>: the process and every descendant (children first listed, then the process)
kill_tree() (
  set +f
  grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null | while read -r c; do
    c=${c#/proc/}
    kill_tree "${c%/status}"
  done
  kill -KILL "$1" 2>/dev/null
)
# stop_watchdog <pid>: the watchdog, then its sleep. In this order, not kill_tree's: a shell whose foreground
# sleep is killed under it prints "Killed" into the console log (and busybox's would go on past the sleep).
stop_watchdog() (
  set +f
  kids=$(grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null)
  kill -KILL "$1" 2>/dev/null
  for c in $kids; do
    c=${c#/proc/}
    kill -KILL "${c%/status}" 2>/dev/null
  done
)
# watchdog <pid> <name>: after STEP_LIMIT s, records the threads and kills the step's process tree.
watchdog() {
  sleep "$STEP_LIMIT"
  kill -0 "$1" 2>/dev/null || return 0
  echo "TEST: step $2 still running after ${STEP_LIMIT}s: killed (its threads: $2.hang.txt)"
  { echo "step $2 still running after ${STEP_LIMIT}s (uptime $(now)s)"; dump_tasks; sleep 2
    echo "==== 2 s later (uptime $(now)s)"; dump_tasks; } >"$OUT/$2.hang.txt" 2>&1
  kill_tree "$1"
}
# bounded <name> <log> <command...>: runs the command under the watchdog; returns its rc (137 when killed).
bounded() {
  bname=$1
  blog=$2
  shift 2
  "$@" >"$OUT/$blog" 2>&1 &
  bpid=$!
  watchdog "$bpid" "$bname" &
  wpid=$!
  wait "$bpid"
  brc=$?
  stop_watchdog "$wpid"
  wait "$wpid" 2>/dev/null
  return "$brc"
}
# step <name> <log> <command...>: runs the command (bounded), records its rc and duration.
step() {
  name=$1
  log=$2
  shift 2
  echo "TEST: step $name start (uptime $(now)s)"
  # the host reads this line to tell which of its load samples belong to the step
  echo "STEP-START $name uptime=$(now)"
  t0=$(cs_now)
  bounded "$name" "$log" "$@"
  rc=$?
  d=$(($(cs_now) - t0))
  secs=$((d / 100)).$(((d % 100) / 10))
  echo "STEP $name rc=$rc seconds=$secs" >>"$OUT/steps.txt"
  echo "TEST: step $name rc=$rc (${secs}s)"
  echo "STEP-END $name"
  [ "$rc" = 0 ] || RC=1
  return 0
}

echo "TEST: guest $(uname -r) $(uname -m), $(nproc) cpus, chip=$DPCPI_GPIOSIM_CHIP sysfs=$DPCPI_GPIOSIM_SYSFS"
{
  echo "kernel=$(uname -r)"
  echo "machine=$(uname -m)"
  echo "chip=$DPCPI_GPIOSIM_CHIP"
  echo "sysfs=$DPCPI_GPIOSIM_SYSFS"
  echo "cpus=$(nproc)"
} >"$OUT/guest.txt"

# 1. latency: the C floor and the C# direct reader (same chip, line, interval and edge count),
#    in READER_ROUNDS rounds of alternating order (C first in odd rounds) so order effects cancel; each round
#    also runs the C reader at SCHED_FIFO, dpcpi's floor, and dpcpi next to it (informational).
#    Each reader starts the stimulus itself once its line request is open; the first
#    max(WARMUP edges, WARMUP_MS) of edges are a warm-up, made on top of EDGES and not recorded.
c_reader() {
  want c-reader && step "c-reader-$1" "c-reader-$1.txt" /mnt/gpio_reader "$DPCPI_GPIOSIM_CHIP" 0 "$PULL0" \
    "$EDGES" "$INTERVAL_US" "$OUT/c-reader-$1.json" "$WARMUP" "$WARMUP_MS" "$STIMULUS"
}
# The floor for dpcpi's rows: the same C reader at SCHED_FIFO 49, the priority of dpcpi's ISR thread
# (KernelOptions.IsrPriority). At SCHED_OTHER it is the C# direct reader's peer, not dpcpi's.
c_fifo_reader() {
  want c-reader && step "c-fifo-$1" "c-fifo-$1.txt" /mnt/gpio_reader "$DPCPI_GPIOSIM_CHIP" 0 "$PULL0" \
    "$EDGES" "$INTERVAL_US" "$OUT/c-fifo-$1.json" "$WARMUP" "$WARMUP_MS" "$STIMULUS" 49
}
# Informational, not a test: dpcpi latency in the same round as its floor, so that each round gives a ratio taken
# under the same host conditions (a single run against pooled rounds swung 0.7-1.5x at p50 on arm64).
dpcpi_round() {
  if has_net cli dpcpi && want cli-latency; then
    echo "STEP-START cli-round-$1 uptime=$(now)"
    bounded "cli-round-$1" "cli-round-$1.txt" net cli dpcpi latency --source gpio --chip "$DPCPI_GPIOSIM_CHIP" --input-line 0 \
      --drive-sysfs "$PULL0" -i "$INTERVAL_US" -l "$EDGES" --warmup "${WARMUP_MS}ms" -q --json "$OUT/cli-round-$1.json" || true
    echo "STEP-END cli-round-$1"
  fi
}
cs_reader() {
  want cs-reader && step "cs-reader-$1" "cs-reader-$1.txt" net cs-reader dpcpi-vm-reader \
    "$DPCPI_GPIOSIM_CHIP" 0 "$PULL0" "$EDGES" "$INTERVAL_US" "$OUT/cs-reader-$1.json" "$WARMUP" "$WARMUP_MS" "$STIMULUS"
}
r=1
while [ "$r" -le "$READER_ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then
    c_reader "$r"
    cs_reader "$r"
    c_fifo_reader "$r"
    dpcpi_round "$r"
  else
    dpcpi_round "$r"
    c_fifo_reader "$r"
    cs_reader "$r"
    c_reader "$r"
  fi
  r=$((r + 1))
done

# 2. the full DpcPi chain (edge -> ISR thread -> DPC); dpcpi starts the stimulus next to it as a child process.
if has_net cli dpcpi && want doctor; then
  step doctor doctor.txt net cli dpcpi doctor --json "$OUT/doctor.json"
fi
if has_net cli dpcpi && want cli-latency; then
  step cli-latency cli-latency.txt net cli dpcpi latency --source gpio --chip "$DPCPI_GPIOSIM_CHIP" \
    --input-line 0 --drive-sysfs "$PULL0" -i "$INTERVAL_US" -l "$EDGES" --warmup "${WARMUP_MS}ms" --json "$OUT/cli-latency.json" \
    --png "$OUT/cli-latency.png"
  # Informational, not counted: the same chain with each core's worker running the DPCs (--worker-dpcs), where the
  # default has the ISR thread run those it queued on its own core (Windows' DPC at IRQL drop). (busy-spin workers
  # were tried too: on 2 vCPUs two spinning SCHED_FIFO workers starve the normal-priority stimulus.)
  echo "STEP-START cli-latency-worker uptime=$(now)"
  bounded cli-latency-worker cli-latency-worker.txt net cli dpcpi latency --source gpio --chip "$DPCPI_GPIOSIM_CHIP" \
    --input-line 0 --drive-sysfs "$PULL0" -i "$INTERVAL_US" -l "$EDGES" --warmup "${WARMUP_MS}ms" --worker-dpcs -q \
    --json "$OUT/cli-latency-worker.json" || true
  echo "STEP-END cli-latency-worker"
  # The same wire through System.Device.Gpio's LibGpiodDriver callbacks (latency from the callback's entry).
  step cli-latency-sdg cli-latency-sdg.txt net cli dpcpi latency --source sdg --sdg-driver libgpiod --chip "$DPCPI_GPIOSIM_CHIP" \
    --input-line 0 --drive-sysfs "$PULL0" -i "$INTERVAL_US" -l "$EDGES" --warmup "${WARMUP_MS}ms" -q --json "$OUT/cli-latency-sdg.json"
  # The hosted service over that driver (Source:Kind=sdg): what a user who keeps System.Device.Gpio deploys.
  step service-sdg service-sdg.txt net cli dpcpi run --Source:Kind=sdg --Source:SdgDriver=libgpiod \
    --Source:Chip="$DPCPI_GPIOSIM_CHIP" --Source:InputLine=0 --Source:DriveSysfs="$PULL0" --Source:IntervalUs="$INTERVAL_US" \
    --Run:DurationSeconds=3 --Run:WarmupMs="$WARMUP_MS" --Dashboard:Enabled=false --Report:Json="$OUT/service-sdg.json"
fi

# 3. xunit suites, Category=Kernel only, serially (timing-sensitive).
run_xunit() {
  # run_xunit <step> <dir> <assembly>: xunit v3 test assemblies are their own runners
  if has_net "$2" "$3" && want "$1"; then
    # XUNIT_ARGS (word-split on purpose) narrows the run, e.g. -method "*Burst*"
    # shellcheck disable=SC2086
    # verbose: each test's start and end in the log, so a step the watchdog kills names the test it was in
    step "$1" "$1.log" net "$2" "$3" -trait "Category=Kernel" -parallel none -noColor -noAutoReporters -reporter verbose \
      -xml "$OUT/$1.xml" -trx "$OUT/$1.trx" ${XUNIT_ARGS:-}
  fi
}
run_xunit vm-tests vm-tests DpcPi.Vm.Tests
run_xunit gpio-tests gpio-tests DpcPi.Gpio.Tests
run_xunit sdg-tests sdg-tests DpcPi.SystemDeviceGpio.Tests
# Each lab's own driver on a sim header (a gpio-sim chip labelled as a Pi 4's), its wiring's jumpers and parts
# played by dpcpi-labdev; each lab's report lands in /out/labs/.
export DPCPI_LABDEV=/mnt/dpcpi-labdev DPCPI_LAB_REPORTS=/out/labs
run_xunit labs-tests labs-tests DpcPi.Labs.Tests

# The stimulus's other target, an output line through the uAPI (a Pi pin wired to the measured input):
# gpio-sim shows what its consumer drives in sim_gpioN/value. Toggling every 50 ms until stopped, the line
# must be seen at both levels within 2 s, and the stimulus must report the edges it made.
# shellcheck disable=SC2317 # invoked through step
stimulus_chip() {
  val=$DPCPI_GPIOSIM_SYSFS/sim_gpio4/value
  "$STIMULUS" --chip "$DPCPI_GPIOSIM_CHIP" --line 4 --interval-us 50000 >/tmp/stim-chip.txt 2>&1 &
  spid=$!
  seen=
  n=0
  while [ "$n" -lt 200 ]; do
    seen="$seen$(cat "$val")"
    case "$seen" in *0*1* | *1*0*) break ;; esac
    sleep 0.01
    n=$((n + 1))
  done
  kill -TERM "$spid"
  wait "$spid"
  src=$?
  cat /tmp/stim-chip.txt
  echo "levels seen on line 4: $seen"
  case "$seen" in *0*1* | *1*0*) ;; *) echo "line 4 never changed level"; return 1 ;; esac
  [ "$src" = 0 ] && grep -q '^STIMULUS: generated=[1-9]' /tmp/stim-chip.txt
}
if want stimulus-chip; then
  step stimulus-chip stimulus-chip.txt stimulus_chip
fi

# 4. the System.Device.Gpio comparison: the same phases of edges from the stimulus for each contender in
#    turn (a C reader, DpcPi's reader, DpcPi's GpioDriver, LibGpiodDriver, SysFsDriver); see guest-compare.sh.
if want compare; then
  # shellcheck source=tests/vm/guest-compare.sh
  . /mnt/guest-compare.sh
  for k in $COMPARE_CONTENDERS; do
    if [ "$k" = c ] || has_net sdg dpcpi-vm-sdg; then
      step "compare-$k" "compare-$k.txt" compare_run "$k"
    fi
  done
fi

# The guest kernel's log: what the quiet console leaves out, such as "sched: RT throttling activated" (real-time
# threads held back for the rest of a period once they used 95 % of a CPU), which stretches their latencies by ms.
dmesg >"$OUT/dmesg.txt" 2>&1 || true
echo "TEST: all steps done (uptime $(now)s), rc=$RC"
exit "$RC"
