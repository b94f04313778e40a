#!/usr/bin/env bash
# Runs every DpcPi test tier and ends with one line: "N passed, N failed[, N skipped]".
#   1. unit/integration tests (dotnet test, all projects in DpcPi.sln), counted from TRX files
#   2. the real-kernel tiers: gpio-sim in a qemu guest, x86-64 (tests/vm/run.sh) and arm64
#      (tests/vm/run-arm64.sh); each skipped loudly if qemu cannot run
#   3. the deploy test against a stand-in Pi on 127.0.0.1 (tests/deploy/deploy-test.sh)
#   4. shellcheck over every shell script (tests/deploy/shellcheck.sh)
# Set DPCPI_SKIP_VM=1 to leave out tier 2 (both architectures; their tests are then counted as skipped).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here" || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$here/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0; broken=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }

# Parses the last "[word:] N passed, N failed[, N skipped]" line of a log.
count_line() {
  local line
  line=$(grep -E '^([A-Za-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -1)
  if [ -z "$line" ]; then echo ""; return; fi
  line=${line#*: }
  local p f s
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
  echo "$p ${f} ${s:-0}"
}

# --- Tools the tests use from Debian: chromium (the dashboard browser test: Playwright drives this system
# browser and never downloads one), rt-tests (cyclictest, the peer of `bench --cyclictest`), gcc (the
# dpcpi-stimulus helper the gpio source runs), prometheus (the Fleet tests run a real server and promtool).
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v prometheus >/dev/null || need+=(prometheus)
command -v cyclictest >/dev/null || need+=(rt-tests)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -q && apt-get install -y -q "${need[@]}") >"$results/apt.log" 2>&1 \
      || echo "test.sh: warning: apt-get install ${need[*]} failed (see $results/apt.log); the tests that need them will fail"
    # The Fleet tests start their own Prometheus on a free loopback port: a packaged service started by the
    # install (where an init system runs one) would hold 9090 for nothing.
    if [[ " ${need[*]} " == *" prometheus "* ]] && [ -x /etc/init.d/prometheus ]; then
      (service prometheus stop; update-rc.d prometheus disable) >>"$results/apt.log" 2>&1 || true
    fi
  else
    echo "test.sh: warning: ${need[*]} missing and this is not root; the tests that need them will fail (apt-get install -y ${need[*]})"
  fi
fi
# --- end of the tools block

echo "== 1/4 unit and integration tests (dotnet test)"
t0=$(date +%s)
dotnet build DpcPi.sln -c Release -v quiet -nologo 2>&1 | tail -20
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" != 0 ]; then
  echo "test.sh: the build failed (see above)"; broken=1
else
  # The Fleet tests (five dpcpi processes, Prometheus and Chromium at once) run after the others, not beside the
  # timing-sensitive assemblies: on a busy 2-core machine that mix made stops and warm-ups miss their bounds.
  dotnet test DpcPi.sln -c Release --no-build --filter "Category!=Fleet" --logger "trx" --results-directory "$results/dotnet" 2>&1 | grep -vE '^\s*$' | tail -40
  dotnet test tests/DpcPi.Cli.Tests/DpcPi.Cli.Tests.csproj -c Release --no-build --filter "Category=Fleet" --logger "trx" --results-directory "$results/dotnet-fleet" 2>&1 | grep -vE '^\s*$' | tail -5
  trx_found=0
  for trx in "$results"/dotnet/*.trx "$results"/dotnet-fleet/*.trx; do
    [ -f "$trx" ] || continue
    trx_found=1
    counters=$(grep -oE '<Counters [^>]*>' "$trx" | head -1)
    get() { echo "$counters" | grep -oE " $1=\"[0-9]+\"" | grep -oE '[0-9]+'; }
    p=$(get passed); f=$(get failed); e=$(get error); ne=$(get notExecuted); to=$(get timeout)
    add "${p:-0}" "$(( ${f:-0} + ${e:-0} + ${to:-0} ))" "${ne:-0}"
    # The names of failed tests, kept for the end of the log: the tail of dotnet test's output above is cut at
    # 40 lines, and a CI log is read from its end.
    grep -oE '<UnitTestResult [^>]*outcome="(Failed|Error|Timeout)"' "$trx" \
      | grep -oE 'testName="[^"]*"' | sed -E 's/^testName="(.*)"$/  unit: \1/' >>"$results/failed-tests.txt"
  done
  [ "$trx_found" = 1 ] || { echo "test.sh: no TRX results were written"; broken=1; }
fi
echo "   unit tests took $(( $(date +%s) - t0 )) s"

# run_vm_tier <label> <script> <log>: one real-kernel tier (gpio-sim in a qemu guest).
run_vm_tier() {
  if [ "${DPCPI_SKIP_VM:-0}" = 1 ]; then
    echo "VM TIER SKIPPED ($1): DPCPI_SKIP_VM=1"
    local n
    n=$(grep -hoE 'EXPECTED_VM_TESTS=[0-9]+' tests/vm/run.sh | head -1 | cut -d= -f2)
    add 0 0 "${n:-1}"
    return
  fi
  if [ ! -x "$2" ]; then echo "VM TIER SKIPPED ($1): $2 is missing"; add 0 0 1; return; fi
  bash "$2" 2>&1 | tee "$3" | tail -40
  local rc=${PIPESTATUS[0]} c f
  c=$(count_line "$3")
  if [ -n "$c" ]; then
    # shellcheck disable=SC2086
    add $c
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || { f=$(echo "$c" | cut -d' ' -f2); [ "$f" != 0 ] || add 0 1 0; }
  else
    echo "test.sh: the $1 tier printed no result line (rc=$rc)"; add 0 1 0
  fi
}

echo "== 2/4 real-kernel tiers (gpio-sim in qemu): x86-64, then arm64 (the Pi's architecture)"
t0=$(date +%s)
run_vm_tier x86-64 tests/vm/run.sh "$results/vm.log"
echo "   x86-64 tier took $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
run_vm_tier arm64 tests/vm/run-arm64.sh "$results/vm-arm64.log"
echo "   arm64 tier took $(( $(date +%s) - t0 )) s"

echo "== 3/4 deploy test (stand-in Pi on 127.0.0.1)"
bash tests/deploy/deploy-test.sh > "$results/deploy.log" 2>&1
deploy_rc=$?
tail -5 "$results/deploy.log"
c=$(count_line "$results/deploy.log")
if [ -n "$c" ]; then
  # shellcheck disable=SC2086
  add $c
  [ "$deploy_rc" = 0 ] || { f=$(echo "$c" | cut -d' ' -f2); [ "$f" != 0 ] || add 0 1 0; }
else
  echo "test.sh: the deploy test printed no result line (rc=$deploy_rc)"; add 0 1 0
fi

echo "== 4/4 shellcheck"
bash tests/deploy/shellcheck.sh > "$results/shellcheck.log" 2>&1
tail -3 "$results/shellcheck.log"
c=$(count_line "$results/shellcheck.log")
# shellcheck disable=SC2086
if [ -n "$c" ]; then add $c; else echo "test.sh: shellcheck printed no result line"; add 0 1 0; fi

if [ -s "$results/failed-tests.txt" ]; then
  echo "failed tests (their messages are in $results/dotnet*/*.trx):"
  head -30 "$results/failed-tests.txt"
fi
[ "$broken" = 0 ] || failed=$((failed + 1))
summary="$passed passed, $failed failed"
[ "$skipped" = 0 ] || summary="$summary, $skipped skipped"
if [ "$passed" = 0 ]; then echo "test.sh: no test ran"; failed=$((failed + 1)); summary="$passed passed, $failed failed"; fi
echo "$summary"
[ "$failed" = 0 ]
