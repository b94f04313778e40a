#!/bin/bash
# host-sampler.sh <pid> <console-log>: while <pid> (qemu's `timeout` wrapper) lives, once a second:
#   <epoch s> <load1> <cpu total ticks> <idle+iowait ticks> <steal ticks> <qemu's own ticks> <console lines> <irq+softirq ticks>
# summarize.py matches the console line numbers of the guest's STEP-START/STEP-END markers to these
# samples and gives each step the host's load, the CPU time others than qemu used, and steal.
set -u
pid=$1
console=$2
while kill -0 "$pid" 2>/dev/null; do
  read -r load1 _ </proc/loadavg
  cpu=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6, $9, $7 + $8; exit }' /proc/stat)
  q=0
  for c in $pid $(pgrep -P "$pid"); do
    # utime + stime of the wrapper and its qemu child (the comm field has no spaces here)
    q=$((q + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
  done
  read -r total idle steal irq <<<"$cpu"
  # irq+softirq last: no process owns that time, so it shows up in "others" (summarize.py splits it out)
  echo "$(date +%s.%N) $load1 $total $idle $steal $q $(grep -c '' "$console" 2>/dev/null || echo 0) $irq"
  sleep 1
done
