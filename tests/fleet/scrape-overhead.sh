#!/usr/bin/env bash
# scrape-overhead.sh - what a 1 s Prometheus scrape costs one `dpcpi run` (the fleet goal: <= 1 % of a core).
#
# Starts one `dpcpi run --Source:Kind=fake` on a free loopback port, then measures its CPU time (utime+stime
# from /proc/PID/stat) over alternating phases: without scraping, and with a real Prometheus scraping its
# /metrics every second (hardware/prometheus/prometheus.yml, its targets file pointing at this instance).
# Phases alternate (off, on, off, on, ...) so a host whose load drifts favours neither. Prints each phase, the
# mean of each kind, the difference, the host load (/proc/loadavg) and the steal over the run. A figure taken
# on a busy host (load above ~1.5 on 2 cores, or steal above 1 %) is marked INCONCLUSIVE.
#
# Usage: tests/fleet/scrape-overhead.sh [PHASE_SECONDS (default 60)] [PAIRS (default 3)]
# Needs: a built artifacts/dpcpi (./dpcpi builds it; or OVERHEAD_DLL=path/to/dpcpi.dll), prometheus (apt-get install prometheus).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
phase=${1:-60}
pairs=${2:-3}
# OVERHEAD_DLL, not DPCPI_*: dpcpi reads every DPCPI_ variable as configuration.
dll=${OVERHEAD_DLL:-$here/artifacts/dpcpi/dpcpi.dll}
[[ -f $dll ]] || { echo "scrape-overhead.sh: $dll is missing: run ./dpcpi --help once to build it" >&2; exit 2; }
command -v prometheus >/dev/null || { echo "scrape-overhead.sh: prometheus is missing (apt-get install prometheus)" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d "${TMPDIR:-/tmp}/dpcpi-overhead.XXXXXX")
dpcpi_pid="" prom_pid=""
cleanup() {
  [[ -z $prom_pid ]] || { kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; }
  [[ -z $dpcpi_pid ]] || { kill "$dpcpi_pid" 2>/dev/null || true; wait "$dpcpi_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
dotnet "$dll" run --Source:Kind=fake --Source:IntervalUs=1000 --Kernel:Realtime=false "--Dashboard:Port=$port" \
  --Serilog:MinimumLevel:Default=Warning >"$work/dpcpi.log" 2>&1 &
dpcpi_pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/api/snapshot" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/metrics" >/dev/null || { echo "scrape-overhead.sh: dpcpi did not start" >&2; cat "$work/dpcpi.log" >&2; exit 1; }
sleep 10 # past the warm-up and the first JIT work of the endpoints

mkdir -p "$work/prom/targets"
sed '/^rule_files:/,/dpcpi-alerts.yml/d' "$here/hardware/prometheus/prometheus.yml" >"$work/prom/prometheus.yml"
printf -- '- targets: ["127.0.0.1:%s"]\n' "$port" >"$work/prom/targets/dpcpi.yml"
prom_port=$(free_port)

ticks() { awk '{ print $14 + $15 }' "/proc/$dpcpi_pid/stat"; }
# The measuring threads (the kernel's isr, dpc/N, dpc-thr/N and the fake source's stimulus): their CPU varies by
# several % of a core with the host's load, far more than a scrape costs. The rest of the process (thread pool,
# Kestrel, timers, GC) is where a scrape runs, so it is reported on its own too.
measuring_ticks() {
  local t c v s=0
  for t in /proc/"$dpcpi_pid"/task/*; do
    c=$(cat "$t/comm" 2>/dev/null) || continue
    case $c in
      isr | dpc/* | dpc-thr/* | stimulus)
        v=$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }') || continue # the thread just ended
        s=$((s + ${v:-0})) ;;
    esac
  done
  echo "$s"
}
steal() { awk '/^cpu / { print $9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
read -r steal0 total0 < <(steal)
off_sum=0 on_sum=0 off_rest=0 on_rest=0
measure() { # measure: "process% rest%" of one core during one phase (rest: all but the measuring threads)
  local t0 t1 m0 m1 w0 w1
  t0=$(ticks); m0=$(measuring_ticks); w0=$(date +%s.%N)
  sleep "$phase"
  t1=$(ticks); m1=$(measuring_ticks); w1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v c="$m0" -v d="$m1" -v w0="$w0" -v w1="$w1" -v hz="$hz" \
    'BEGIN { printf "%.3f %.3f\n", (b - a) / hz / (w1 - w0) * 100, ((b - a) - (d - c)) / hz / (w1 - w0) * 100 }'
}
echo "phase  scraping  dpcpi CPU, % of one core: process / all but the measuring threads   loadavg"
for i in $(seq 1 "$pairs"); do
  read -r off offr < <(measure)
  echo "$((2 * i - 1))      no        $off / $offr      $(cut -d' ' -f1-3 /proc/loadavg)"
  prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data-$i" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prom.log" 2>&1 &
  prom_pid=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null && break; sleep 0.5; done
  sleep 2 # the first scrapes have begun
  read -r on onr < <(measure)
  scrapes=$(curl -sf "http://127.0.0.1:$prom_port/api/v1/query?query=count_over_time(up%5B${phase}s%5D)" | grep -oE '"[0-9]+"\]' | tr -dc 0-9)
  echo "$((2 * i))      yes       $on / $onr      $(cut -d' ' -f1-3 /proc/loadavg)   (${scrapes:-?} scrapes in the last ${phase} s)"
  kill "$prom_pid"; wait "$prom_pid" 2>/dev/null || true; prom_pid=""
  off_sum=$(awk -v a="$off_sum" -v b="$off" 'BEGIN { print a + b }')
  on_sum=$(awk -v a="$on_sum" -v b="$on" 'BEGIN { print a + b }')
  off_rest=$(awk -v a="$off_rest" -v b="$offr" 'BEGIN { print a + b }')
  on_rest=$(awk -v a="$on_rest" -v b="$onr" 'BEGIN { print a + b }')
done
read -r steal1 total1 < <(steal)
load=$(cut -d' ' -f1 /proc/loadavg)
st=$(awk -v a="$steal0" -v b="$steal1" -v c="$total0" -v d="$total1" 'BEGIN { printf "%.2f", (d > c) ? (b - a) / (d - c) * 100 : 0 }')
bytes=$(curl -sf "http://127.0.0.1:$port/metrics" | wc -c)
verdict=$(awk -v l="$load" -v s="$st" 'BEGIN { print (l > 1.5 || s > 1) ? "INCONCLUSIVE (host busy)" : "host quiet" }')
awk -v on="$on_sum" -v off="$off_sum" -v onr="$on_rest" -v offr="$off_rest" -v n="$pairs" -v b="$bytes" -v l="$load" -v s="$st" -v v="$verdict" 'BEGIN {
  printf "whole process: mean without scraping %.3f %%, with a 1 s scrape %.3f %%: difference %.3f %% of one core\n", off / n, on / n, (on - off) / n
  printf "all but the measuring threads: %.3f %% without, %.3f %% with: the scrape costs %.3f %% of one core (goal <= 1 %%)\n", offr / n, onr / n, (onr - offr) / n
  printf "one /metrics response: %d bytes; load %s, steal %s %% over the run: %s\n", b, l, s, v
}'
