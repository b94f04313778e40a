#!/usr/bin/env bash
# deploy-test.sh - runs deploy.sh against a stand-in "Pi" on this machine and checks the result.
#
# The stand-in: an sshd of our own on 127.0.0.1 (a free port, host and user keys made here), a
# target root in a temp dir (DPCPI_TARGET_ROOT), and stand-ins for systemctl, dotnet and uname that
# record their calls. Most cases deploy tiny fake publish dirs (framework-dependent, or fake
# dotnet builds); the default self-contained linux-arm64 bundle is built once for real with
# `deploy.sh --build-only` (a dotnet publish, 30-160 s) and reused with --no-build: its apphost
# must be an aarch64 ELF. DPCPI_DEPLOY_REAL_BUILD=1 adds the default deploy with its own real build
# and a real framework-dependent build.
#
# Prints "ok - name" / "not ok - name" per check, then "deploy: N passed, N failed".
# Each check is a single-quoted condition run by eval in check(); helpers are called from there:
# shellcheck disable=SC2016,SC2317
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DEPLOY=$REPO/deploy.sh
PASSED=0
FAILED=0
SSHD_PID=""
T=""
START=$SECONDS

cleanup() {
  if [[ -n $SSHD_PID ]]; then
    kill "$SSHD_PID" 2>/dev/null || true
    wait "$SSHD_PID" 2>/dev/null || true
  fi
  if [[ -n $T && -d $T ]]; then rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$1"; }
failed() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$1"; }

# check NAME COMMAND...: one test line from a command's exit status.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else failed "$name"; show_logs; fi
}

# Shows the last deploy's output after a failed check (as comments).
show_logs() {
  [[ -n ${OUT:-} && -f $OUT ]] || return 0
  { tail -n 15 "$OUT"; tail -n 15 "$ERR"; } | sed 's/^/#   /'
}

finish() {
  printf '# took %ss\n' "$((SECONDS - START))"
  printf 'deploy: %d passed, %d failed\n' "$PASSED" "$FAILED"
  if [[ $FAILED -eq 0 ]]; then exit 0; else exit 1; fi
}

bail() { # a setup problem: count it as a failure and stop
  failed "$1"
  finish
}

# ---------------------------------------------------------------------------------------------
# Tools
ensure_tools() {
  local missing=()
  [[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v curl >/dev/null || missing+=(curl)
  [[ ${#missing[@]} -gt 0 ]] || return 0
  [[ $(id -u) == 0 ]] || return 1
  echo "# installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; }
}

ensure_tools || bail "tools: sshd, ssh, rsync, curl available (apt-get install openssh-server rsync curl)"

T=$(mktemp -d "${TMPDIR:-/tmp}/dpcpi-deploy-test.XXXXXX")
mkdir -p "$T/bin" "$T/state" "$T/logs" "$T/ssh"
ROOT=$T/root
STATE=$T/state
ME=$(id -un)

# ---------------------------------------------------------------------------------------------
# sshd on 127.0.0.1 only, as the current user, with keys made here.
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key" -C dpcpi-test-host >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" -C dpcpi-test-user >/dev/null
cp "$T/ssh/id.pub" "$T/ssh/authorized_keys"
chmod 600 "$T/ssh/authorized_keys" "$T/ssh/host_key" "$T/ssh/id"
cat >"$T/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $T/ssh/host_key
PidFile $T/ssh/sshd.pid
AuthorizedKeysFile $T/ssh/authorized_keys
AllowUsers $ME
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
LogLevel ERROR
EOF
# sshd started as root needs its privilege separation directory.
if [[ $(id -u) == 0 && ! -d /run/sshd ]]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi

SSH_TEST_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o BatchMode=yes -o ConnectTimeout=5 -i "$T/ssh/id")

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

start_sshd() {
  local attempt
  for attempt in 1 2 3; do
    PORT=$(free_port) || return 1
    /usr/sbin/sshd -f "$T/ssh/sshd_config" -p "$PORT" -D -e 2>>"$T/ssh/sshd.log" &
    SSHD_PID=$!
    for _ in $(seq 50); do
      if ssh "${SSH_TEST_OPTS[@]}" -p "$PORT" "$ME@127.0.0.1" true 2>/dev/null; then return 0; fi
      kill -0 "$SSHD_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill "$SSHD_PID" 2>/dev/null
    wait "$SSHD_PID" 2>/dev/null
    SSHD_PID=""
    echo "# sshd attempt $attempt on port $PORT failed: $(tail -n 1 "$T/ssh/sshd.log" 2>/dev/null)"
  done
  return 1
}

start_sshd || bail "sshd stand-in starts on 127.0.0.1"
pass "sshd stand-in listens on 127.0.0.1:$PORT"

# ---------------------------------------------------------------------------------------------
# Stand-ins on the "Pi": systemctl and dotnet, recording their calls.
cat >"$T/bin/systemctl" <<EOF
#!/usr/bin/env bash
# systemctl stand-in: records calls; the service is always active with a fake latency summary.
state=$STATE
EOF
cat >>"$T/bin/systemctl" <<'EOF'
echo "$*" >>"$state/systemctl.log"
case $1 in
  is-active) if [[ -e $state/fail-active ]]; then echo failed; exit 3; fi; echo active ;;
  is-enabled)
    if grep -q '^enable ' "$state/systemctl.log"; then echo enabled; else echo disabled; exit 1; fi ;;
  show)
    summary="latency p50=12us p99=41us max=87us n=1000 (stand-in)"
    if [[ " $* " == *" --value "* ]]; then echo "$summary"; else echo "StatusText=$summary"; fi ;;
  restart | start)
    if [[ -e $state/fail-restart ]]; then
      echo "Job for dpcpi.service failed because the control process exited with error code." >&2
      exit 1
    fi ;;
  status) printf '%s\n' "* dpcpi.service - DpcPi (stand-in)" "     Active: active (running)" ;;
esac
exit 0
EOF
cat >"$T/bin/dotnet" <<EOF
#!/usr/bin/env bash
# dotnet stand-in: reports the .NET 10 runtimes (unless state/no-runtime) and fakes doctor.
state=$STATE
EOF
cat >>"$T/bin/dotnet" <<'EOF'
echo "$*" >>"$state/dotnet.log"
if [[ $1 == --list-runtimes ]]; then
  [[ -e $state/no-runtime ]] && exit 0
  echo "Microsoft.AspNetCore.App 10.0.0 [/usr/share/dotnet/shared/Microsoft.AspNetCore.App]"
  echo "Microsoft.NETCore.App 10.0.0 [/usr/share/dotnet/shared/Microsoft.NETCore.App]"
  exit 0
fi
if [[ $2 == doctor ]]; then
  echo "doctor (stand-in): checked $1"
  exit "$(cat "$state/doctor-rc" 2>/dev/null || echo 0)"
fi
exit 0
EOF
# A stand-in for Microsoft's dotnet-install.sh: records its arguments, "installs" a dotnet.
cat >"$T/fake-dotnet-install.sh" <<EOF
#!/usr/bin/env bash
echo "\$*" >>"$STATE/dotnet-install.log"
dir=""
while [[ \$# -gt 0 ]]; do [[ \$1 == --install-dir ]] && dir=\$2; shift; done
mkdir -p "\$dir"
printf '#!/bin/sh\necho "Microsoft.AspNetCore.App 10.0.0 [x]"\necho "Microsoft.NETCore.App 10.0.0 [x]"\n' >"\$dir/dotnet"
chmod +x "\$dir/dotnet"
EOF
chmod +x "$T/bin/systemctl" "$T/bin/dotnet" "$T/fake-dotnet-install.sh"

# A Pi-like target root: gpio group exists, dpcpi user does not.
mkdir -p "$ROOT/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\ngpio:x:997:pi\n' >"$ROOT/etc/group"

export DPCPI_TARGET_ROOT=$ROOT
export DPCPI_SYSTEMCTL=$T/bin/systemctl
export DPCPI_DOTNET=$T/bin/dotnet
export DPCPI_SUDO=""
export DPCPI_STAGING=$T/staging
export DPCPI_SSH_OPTS="-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
export DPCPI_DOTNET_INSTALL_URL=file://$T/fake-dotnet-install.sh
TARGET=$ME@127.0.0.1
CALLS=$T/logs/systemctl-calls

# Fake publish dirs: v1, and v2 with a different dll.
make_pub() { # make_pub DIR VERSION
  mkdir -p "$1/runtimes/linux-arm64/native"
  printf 'placeholder dpcpi.dll %s\n' "$2" >"$1/dpcpi.dll"
  printf '{"runtimeOptions":{"tfm":"net10.0","frameworks":[{"name":"Microsoft.NETCore.App","version":"10.0.0"}]}}\n' >"$1/dpcpi.runtimeconfig.json"
  printf '{"runtimeTarget":{"name":".NETCoreApp,Version=v10.0"}}\n' >"$1/dpcpi.deps.json"
  printf 'placeholder platform %s\n' "$2" >"$1/DpcPi.Platform.dll"
  printf 'native %s\n' "$2" >"$1/runtimes/linux-arm64/native/libfake.so"
  printf '{ "DpcPi": { "Marker": "shipped-%s" } }\n' "$2" >"$1/appsettings.json"
}
make_pub "$T/pub1" v1
make_pub "$T/pub2" v2

# deploy NAME ARGS...: runs deploy.sh against the stand-in; sets RC, OUT, ERR.
deploy() {
  local name=$1
  shift
  OUT=$T/logs/$name.out
  ERR=$T/logs/$name.err
  RC=0
  local before=0 t0=$SECONDS
  [[ ! -f $STATE/systemctl.log ]] || before=$(wc -l <"$STATE/systemctl.log")
  "$DEPLOY" -p "$PORT" -i "$T/ssh/id" --timeout 5 "$@" "$TARGET" >"$OUT" 2>"$ERR" </dev/null || RC=$?
  # The systemctl calls made by this run only.
  : >"$CALLS"
  [[ ! -f $STATE/systemctl.log ]] || tail -n +"$((before + 1))" "$STATE/systemctl.log" >"$CALLS"
  printf '# deploy %s: exit %s, %ss\n' "$name" "$RC" "$((SECONDS - t0))"
}

calls() { cat "$CALLS"; }
has_call() { grep -qx -- "$1" "$CALLS"; }
no_call() { ! grep -q -- "$1" "$CALLS"; }
out_has() { grep -q -- "$1" "$OUT"; }
err_last_is_step_failure() { # exactly one "deploy.sh: step" line, and it is the last line
  [[ $(grep -c "^deploy.sh: step '$1' failed: " "$ERR") == 1 ]] &&
    tail -n 1 "$ERR" | grep -q "^deploy.sh: step '$1' failed: ."
}
unit_has() { grep -qx -- "$1" "$ROOT/etc/systemd/system/dpcpi.service"; }
unit_lacks() { ! grep -q -- "$1" "$ROOT/etc/systemd/system/dpcpi.service"; }
snapshot() { # every path, size, mode and content hash under the target root and staging
  {
    find "$ROOT" "$T/staging" "$STATE" -printf '%p %s %m %l\n' 2>/dev/null | LC_ALL=C sort
    find "$ROOT" "$T/staging" "$STATE" -type f -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort
  } >"$1"
}
release() { readlink "$ROOT/opt/dpcpi"; }
# ELF header checks with od (no `file`): 64-bit little-endian ELF, and its e_machine (offset 18).
is_elf64le() { [[ $(od -An -tx1 -N6 "$1" 2>/dev/null | tr -d ' \n') == 7f454c460201 ]]; }
elf_machine() { od -An -tu1 -j18 -N2 "$1" 2>/dev/null | awk 'NF == 2 { print $1 + 256 * $2 }'; }
is_aarch64_elf() { [[ -f $1 && -x $1 ]] && is_elf64le "$1" && [[ $(elf_machine "$1") == 183 ]]; }
manifest_of() { # the manifest hash deploy.sh computes for a publish dir
  (cd "$1" && find . -type f ! -name .dpcpi-manifest -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) |
    sha256sum | cut -d' ' -f1
}
lines_of() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# ---------------------------------------------------------------------------------------------
# Usage
RC=0
"$DEPLOY" --help >"$T/logs/help.out" 2>&1 || RC=$?
check "--help prints usage and exits 0" eval '[[ $RC == 0 ]] && grep -q "^Usage: ./deploy.sh" "$T/logs/help.out"'
check "--help: self-contained linux-arm64 is the default, --framework-dependent and --build-only exist, --self-contained a no-op" eval '
  grep -q "default build is self-contained for linux-arm64" "$T/logs/help.out" && grep -q -- "--framework-dependent" "$T/logs/help.out" &&
  grep -q -- "--build-only" "$T/logs/help.out" && grep -- "--self-contained" "$T/logs/help.out" | grep -q "no-op"'
RC=0
"$DEPLOY" --no-build >"$T/logs/usage.out" 2>&1 || RC=$?
check "a usage error exits 2" eval '[[ $RC == 2 ]]'
usage_rc() { # usage_rc ARGS...: deploy.sh must refuse the command line with exit 2 and one line
  local rc=0
  "$DEPLOY" "$@" >"$T/logs/usage.out" 2>&1 </dev/null || rc=$?
  [[ $rc == 2 ]] && [[ $(wc -l <"$T/logs/usage.out") == 1 ]]
}
check "usage errors: --build-only without --publish-dir, with a target, with --no-build; both build kinds" eval '
  usage_rc --build-only && usage_rc --build-only --publish-dir "$T/x" "$TARGET" &&
  usage_rc --build-only --no-build --publish-dir "$T/pub1" && usage_rc --self-contained --framework-dependent "$TARGET"'
check "--publish-dir that is neither empty nor a publish dir is refused before any build" usage_rc --build-only --publish-dir "$T/ssh"

# ---------------------------------------------------------------------------------------------
# Dry run before anything is installed: prints every step, changes nothing.
snapshot "$T/snap.before"
deploy dry-run --no-build --publish-dir "$T/pub1" --dry-run
snapshot "$T/snap.after"
check "dry run exits 0" eval '[[ $RC == 0 ]]'
check "dry run changes nothing on the Pi" cmp -s "$T/snap.before" "$T/snap.after"
check "dry run makes no systemctl calls" eval '[[ ! -s $CALLS ]]'
check "dry run prints the steps and commands" eval 'out_has "==> preflight" && out_has "==> install" &&
  out_has "+ rsync -a --delete" && out_has "r_sysctl daemon-reload" && out_has "r_sysctl restart" &&
  out_has "useradd" && out_has "mv -T"'

# ---------------------------------------------------------------------------------------------
# First deploy: a framework-dependent build (the fake pub1), said so explicitly.
deploy first --framework-dependent --no-build --publish-dir "$T/pub1"
check "first deploy (--framework-dependent) exits 0" eval '[[ $RC == 0 ]] && out_has "(framework)"'
check "installed files under \$ROOT/opt/dpcpi" eval '[[ -f $ROOT/opt/dpcpi/dpcpi.dll && -f $ROOT/opt/dpcpi/dpcpi.runtimeconfig.json &&
  -f $ROOT/opt/dpcpi/runtimes/linux-arm64/native/libfake.so && -f $ROOT/opt/dpcpi/.dpcpi-manifest ]]'
check "installed dpcpi.dll is the published one" cmp -s "$T/pub1/dpcpi.dll" "$ROOT/opt/dpcpi/dpcpi.dll"
check "framework-dependent: the Pi's .NET runtime was checked (dotnet --list-runtimes)" grep -qx -- --list-runtimes "$STATE/dotnet.log"
check "/opt/dpcpi is a relative symlink into dpcpi-releases/" eval '[[ -L $ROOT/opt/dpcpi && $(release) == dpcpi-releases/* ]]'
# shellcheck disable=SC2034  # REL1 is used in the eval'd checks
REL1=$(release)
check "unit: Type=notify, NotifyAccess=main, WatchdogSec" eval 'unit_has Type=notify && unit_has NotifyAccess=main && grep -q "^WatchdogSec=[0-9]" "$ROOT/etc/systemd/system/dpcpi.service"'
check "unit: ExecStart runs the dll with --config" unit_has "ExecStart=/usr/bin/dotnet /opt/dpcpi/dpcpi.dll run --config /etc/dpcpi/appsettings.json"
check "unit: User=dpcpi, Group=dpcpi, SupplementaryGroups=gpio" eval 'unit_has User=dpcpi && unit_has Group=dpcpi && unit_has SupplementaryGroups=gpio'
check "unit: AmbientCapabilities and CapabilityBoundingSet with CAP_SYS_NICE and CAP_IPC_LOCK" eval '
  grep "^AmbientCapabilities=" "$ROOT/etc/systemd/system/dpcpi.service" | grep -q CAP_SYS_NICE &&
  grep "^AmbientCapabilities=" "$ROOT/etc/systemd/system/dpcpi.service" | grep -q CAP_IPC_LOCK &&
  unit_has "CapabilityBoundingSet=CAP_SYS_NICE CAP_IPC_LOCK"'
check "unit: LimitRTPRIO=99, LimitMEMLOCK=infinity, Restart=on-failure, TimeoutStopSec=5" eval 'unit_has LimitRTPRIO=99 &&
  unit_has LimitMEMLOCK=infinity && unit_has Restart=on-failure && unit_has TimeoutStopSec=5 && unit_has WorkingDirectory=/opt/dpcpi'
check "unit: no hardening that breaks GPIO, SCHED_FIFO or the JIT" eval 'unit_lacks "^PrivateDevices=yes" &&
  unit_lacks "^RestrictRealtime=yes" && unit_lacks "^MemoryDenyWriteExecute=yes" && unit_lacks "^ProtectClock=yes"'
check "unit file equals hardware/dpcpi.service" cmp -s "$REPO/hardware/dpcpi.service" "$ROOT/etc/systemd/system/dpcpi.service"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$T/verify"
  cp "$ROOT/etc/systemd/system/dpcpi.service" "$T/verify/dpcpi.service"
  systemd-analyze verify "$T/verify/dpcpi.service" >"$T/logs/verify.out" 2>&1
  check "unit: systemd-analyze verify reports no unknown or bad lines" eval '! grep -Ei "unknown|invalid|failed to parse|ignoring" "$T/logs/verify.out"'
fi
check "default config installed from the publish dir" cmp -s "$T/pub1/appsettings.json" "$ROOT/etc/dpcpi/appsettings.json"
check "user dpcpi created in group gpio (recorded under the target root)" eval 'grep -q "^useradd .*--groups gpio.* dpcpi$" "$ROOT/etc/dpcpi-accounts.log" &&
  grep -q "^dpcpi:" "$ROOT/etc/passwd" && grep -q "^gpio:x:997:pi,dpcpi$" "$ROOT/etc/group" && ! grep -q "^groupadd" "$ROOT/etc/dpcpi-accounts.log"'
check "systemctl: daemon-reload, enable, restart, in that order" eval 'has_call daemon-reload && has_call "enable dpcpi.service" &&
  has_call "restart dpcpi.service" && [[ $(grep -nE "^(daemon-reload|enable |restart )" "$CALLS" | cut -d" " -f1 | tr -d "\n") == *daemon-reload*enable*restart* ]]'
check "prints the service status and the first latency summary" eval 'out_has "Active: active" && out_has "latency: latency p50=12us p99=41us max=87us"'

# ---------------------------------------------------------------------------------------------
# Second run with the same build: nothing changes. The user edited the config meanwhile: kept.
printf '{ "DpcPi": { "Marker": "edited-by-user" } }\n' >"$ROOT/etc/dpcpi/appsettings.json"
snapshot "$T/snap.before"
deploy second --no-build --publish-dir "$T/pub1"
snapshot "$T/snap.after"
check "second run exits 0" eval '[[ $RC == 0 ]]'
check "second run says unchanged and copies nothing" eval 'out_has "unchanged" && out_has "no copy" && ! out_has "copied "'
check "second run: no restart, daemon-reload or enable" eval 'no_call restart && no_call daemon-reload && no_call "^enable"'
check "second run: same release, the user's config kept" eval '[[ $(release) == "$REL1" ]] && grep -q edited-by-user "$ROOT/etc/dpcpi/appsettings.json"'
# Only the stand-ins' own call logs may differ.
grep -v "$STATE" "$T/snap.before" >"$T/snap.before.f"
grep -v "$STATE" "$T/snap.after" >"$T/snap.after.f"
check "second run changes no file on the Pi" cmp -s "$T/snap.before.f" "$T/snap.after.f"

# --config FILE replaces the config (keeping a .bak) and restarts.
printf '{ "DpcPi": { "Marker": "explicit" } }\n' >"$T/custom.json"
deploy config --no-build --publish-dir "$T/pub1" --config "$T/custom.json"
check "--config replaces the config, keeps a .bak and restarts" eval '[[ $RC == 0 ]] &&
  cmp -s "$T/custom.json" "$ROOT/etc/dpcpi/appsettings.json" && grep -q edited-by-user "$ROOT/etc/dpcpi/appsettings.json.bak" &&
  has_call "restart dpcpi.service" && [[ $(release) == "$REL1" ]]'

# ---------------------------------------------------------------------------------------------
# A failing step (restart fails) leaves the previous install in place.
touch "$STATE/fail-restart"
deploy fail --no-build --publish-dir "$T/pub2"
rm -f "$STATE/fail-restart"
check "failed restart exits non-zero" eval '[[ $RC != 0 ]]'
check "failed restart: one line 'deploy.sh: step 'restart' failed: ...' at the end" err_last_is_step_failure restart
check "failed restart: previous release still installed" eval '[[ $(release) == "$REL1" ]] && cmp -s "$T/pub1/dpcpi.dll" "$ROOT/opt/dpcpi/dpcpi.dll"'
check "failed restart: the new release is removed" eval '[[ $(find "$ROOT/opt/dpcpi-releases" -mindepth 1 -maxdepth 1 -type d | wc -l) == 1 ]]'

# The service starts but then fails (never READY): step 'wait' fails, the previous release returns.
touch "$STATE/fail-active"
deploy fail-wait --no-build --publish-dir "$T/pub2"
rm -f "$STATE/fail-active"
check "service not active after restart: step 'wait' fails, previous release restarted" eval '[[ $RC == 1 ]] &&
  err_last_is_step_failure wait && [[ $(release) == "$REL1" ]] && grep -q "previous release restarted" "$ERR" &&
  [[ $(grep -c "^restart dpcpi.service" "$CALLS") == 2 ]]'

# An old install that is a plain directory (before releases existed) becomes a release.
LEGACY=$T/root-legacy
mkdir -p "$LEGACY/opt/dpcpi" "$LEGACY/etc"
printf 'old build\n' >"$LEGACY/opt/dpcpi/dpcpi.dll"
cp "$ROOT/etc/group" "$LEGACY/etc/group"
DPCPI_TARGET_ROOT=$LEGACY deploy legacy --no-build --publish-dir "$T/pub1"
check "a plain /opt/dpcpi directory is kept as a release and replaced by the symlink" eval '[[ $RC == 0 && -L $LEGACY/opt/dpcpi ]] &&
  cmp -s "$T/pub1/dpcpi.dll" "$LEGACY/opt/dpcpi/dpcpi.dll" && grep -qx "old build" "$LEGACY"/opt/dpcpi-releases/legacy-*/dpcpi.dll'

# An unreachable Pi: fails at the first step with one line.
OLD_PORT=$PORT
PORT=1
deploy unreachable --no-build --publish-dir "$T/pub2"
PORT=$OLD_PORT
check "unreachable Pi: exits 1 with one line for step 'preflight'" eval '[[ $RC == 1 ]] && err_last_is_step_failure preflight && [[ $(release) == "$REL1" ]]'

# ---------------------------------------------------------------------------------------------
# --check runs doctor on the Pi and exits with its code.
echo 3 >"$STATE/doctor-rc"
deploy check --check
check "--check runs dpcpi doctor and exits with its code" eval '[[ $RC == 3 ]] && out_has "doctor (stand-in): checked $ROOT/opt/dpcpi/dpcpi.dll"'
rm -f "$STATE/doctor-rc"

# ---------------------------------------------------------------------------------------------
# Runtime missing: refused without --install-runtime; installed with it (fake dotnet-install.sh).
touch "$STATE/no-runtime"
deploy no-runtime --no-build --publish-dir "$T/pub2"
check "missing .NET 10 runtime: stops at preflight and names --install-runtime" eval '[[ $RC == 1 ]] &&
  err_last_is_step_failure preflight && grep -q -- --install-runtime "$ERR" && [[ $(release) == "$REL1" ]] && [[ ! -e $ROOT/usr/share/dotnet ]]'
deploy install-runtime --no-build --publish-dir "$T/pub2" --install-runtime
rm -f "$STATE/no-runtime"
check "--install-runtime runs dotnet-install.sh for 10.0 (dotnet + aspnetcore) and deploys" eval '[[ $RC == 0 ]] &&
  grep -q -- "--channel 10.0 --runtime dotnet --install-dir $ROOT/usr/share/dotnet" "$STATE/dotnet-install.log" &&
  grep -q -- "--runtime aspnetcore" "$STATE/dotnet-install.log" && [[ -L $ROOT/usr/bin/dotnet ]] &&
  cmp -s "$T/pub2/dpcpi.dll" "$ROOT/opt/dpcpi/dpcpi.dll"'
check "new release switched, old one kept for rollback" eval '[[ $(release) != "$REL1" && -d $ROOT/opt/$REL1 ]]'
deploy runtime-present --no-build --publish-dir "$T/pub2" --install-runtime
check "--install-runtime does nothing when the runtime is there" eval '[[ $RC == 0 ]] && [[ $(grep -c . "$STATE/dotnet-install.log") == 2 ]] && out_has unchanged'

# ---------------------------------------------------------------------------------------------
# Build paths of deploy.sh with a stand-in `dotnet` (first in PATH here): it records its arguments
# and "publishes" a copy of a ready dir (pub1 for a framework-dependent build, the real arm64
# bundle below for a self-contained one), or fails like a compiler when $STATE/build-fails exists.
mkdir -p "$T/fakebin" "$T/nossh"
cat >"$T/fakebin/dotnet" <<EOF
#!/usr/bin/env bash
state=$STATE
fw=$T/pub1
sc=$T/pub-arm64
EOF
cat >>"$T/fakebin/dotnet" <<'EOF'
echo "$*" >>"$state/dotnet-build.log"
out=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} != -o ]] || out=${args[i + 1]}; done
if [[ -e $state/build-fails ]]; then
  echo "/src/DpcPi.Cli/Program.cs(3,7): error CS1002: ; expected [/src/DpcPi.Cli/DpcPi.Cli.csproj]"
  echo "Build FAILED."
  exit 1
fi
src=$fw
[[ " $* " != *" --self-contained "* ]] || src=$sc
mkdir -p "$out" && cp -a "$src/." "$out/"
EOF
# An ssh that must not be called (--build-only contacts no host).
cat >"$T/nossh/ssh" <<EOF
#!/usr/bin/env bash
echo "\$*" >>"$STATE/ssh-called.log"
exit 255
EOF
# uname stand-ins for the Pi's architecture (this machine need not be an arm64 one).
printf '#!/bin/sh\necho aarch64\n' >"$T/bin/uname-aarch64"
printf '#!/bin/sh\necho armv7l\n' >"$T/bin/uname-armv7l"
chmod +x "$T/fakebin/dotnet" "$T/nossh/ssh" "$T/bin/uname-aarch64" "$T/bin/uname-armv7l"

# build_only NAME ARGS...: runs deploy.sh --build-only ARGS (no target); sets RC, OUT, ERR.
build_only() {
  local name=$1 t0=$SECONDS
  shift
  OUT=$T/logs/$name.out
  ERR=$T/logs/$name.err
  RC=0
  "$DEPLOY" --build-only "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
  printf '# build-only %s: exit %s, %ss\n' "$name" "$RC" "$((SECONDS - t0))"
}

# --framework-dependent build: the portable publish (no RID, no apphost).
: >"$STATE/dotnet-build.log"
PATH=$T/fakebin:$T/nossh:$PATH build_only fd --framework-dependent --publish-dir "$T/pub-fd"
check "--build-only --framework-dependent: dotnet publish -c Release -p:UseAppHost=false, no RID" eval '[[ $RC == 0 ]] &&
  grep -q -- "^publish $REPO/src/DpcPi.Cli -c Release -o .* -p:UseAppHost=false$" "$STATE/dotnet-build.log" &&
  ! grep -q -- "-r linux-arm64" "$STATE/dotnet-build.log"'
check "--build-only --framework-dependent: the bundle is in the publish dir (dpcpi.dll, no apphost), no ssh" eval '
  [[ -f $T/pub-fd/dpcpi.dll && ! -e $T/pub-fd/dpcpi && ! -e $STATE/ssh-called.log ]] && cmp -s "$T/pub1/dpcpi.dll" "$T/pub-fd/dpcpi.dll" &&
  tail -n 1 "$OUT" | grep -q "^deploy.sh: built framework-dependent bundle in $T/pub-fd: [0-9.,]*[KMG], [0-9]* files, manifest [0-9a-f]\{8\}$"'

# A failing build: one line naming the compiler error, exit 1, the publish dir left as it was.
manifest_of "$T/pub-fd" >"$T/pub-fd.before"
touch "$STATE/build-fails"
PATH=$T/fakebin:$T/nossh:$PATH build_only fails --framework-dependent --publish-dir "$T/pub-fd"
rm -f "$STATE/build-fails"
check "--build-only, build fails: exit 1, last line 'deploy.sh: step 'build' failed: ...error CS1002...'" eval '[[ $RC == 1 ]] &&
  err_last_is_step_failure build && tail -n 1 "$ERR" | grep -q "error CS1002" && ! out_has "built "'
check "--build-only, build fails: the earlier publish dir is left as it was" eval '[[ $(manifest_of "$T/pub-fd") == "$(cat "$T/pub-fd.before")" ]]'

# A dry run of --build-only prints the build and makes nothing.
build_only dry --dry-run --publish-dir "$T/pub-dry"
check "--build-only --dry-run prints the publish command and creates no publish dir" eval '[[ $RC == 0 && ! -e $T/pub-dry ]] &&
  out_has "+ dotnet publish $REPO/src/DpcPi.Cli -c Release -o .* -r linux-arm64 --self-contained"'

# ---------------------------------------------------------------------------------------------
# The default build: self-contained linux-arm64. Built once for real by --build-only (the bundle
# the arm64 VM tier runs), then deployed as it is with --no-build.
snapshot "$T/snap.before"
rm -f "$STATE/ssh-called.log"
PATH=$T/nossh:$PATH build_only arm64 --publish-dir "$T/pub-arm64"
snapshot "$T/snap.after"
ARM64_OK=0
if [[ $RC == 0 ]] && is_aarch64_elf "$T/pub-arm64/dpcpi"; then ARM64_OK=1; fi
check "--build-only (default): dotnet publish -c Release -r linux-arm64 --self-contained, exit 0" eval '[[ $RC == 0 ]] &&
  out_has "+ dotnet publish $REPO/src/DpcPi.Cli -c Release -o .* -r linux-arm64 --self-contained"'
check "--build-only: the apphost DIR/dpcpi is an executable aarch64 ELF (e_machine 183)" eval '[[ $ARM64_OK == 1 ]]'
check "--build-only: a self-contained bundle (dpcpi.dll, libhostfxr.so, libcoreclr.so, appsettings.json)" eval '
  [[ -f $T/pub-arm64/dpcpi.dll && -f $T/pub-arm64/libhostfxr.so && -f $T/pub-arm64/libcoreclr.so && -f $T/pub-arm64/appsettings.json ]]'
check "--build-only: last line names the publish dir, its size, file count and manifest" eval '
  tail -n 1 "$OUT" | grep -q "^deploy.sh: built self-contained linux-arm64 bundle in $T/pub-arm64: [0-9.,]*[KMG], [0-9]* files, manifest $(manifest_of "$T/pub-arm64" | cut -c1-8)$"'
check "--build-only: no ssh contact, nothing changed on the Pi" eval '[[ ! -e $STATE/ssh-called.log ]] && cmp -s "$T/snap.before" "$T/snap.after"'

if [[ $ARM64_OK == 1 ]]; then
  # A fresh Pi that reports aarch64 and has no .NET runtime at all.
  export DPCPI_TARGET_ROOT=$T/root-arm64 DPCPI_UNAME=$T/bin/uname-aarch64
  ROOT=$DPCPI_TARGET_ROOT
  mkdir -p "$ROOT/etc"
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$ROOT/etc/passwd"
  printf 'root:x:0:\ngpio:x:997:pi\n' >"$ROOT/etc/group"
  touch "$STATE/no-runtime"
  # shellcheck disable=SC2034  # N_DOTNET, N_INSTALL and REL_ARM are used in the eval'd checks
  N_DOTNET=$(lines_of "$STATE/dotnet.log") N_INSTALL=$(lines_of "$STATE/dotnet-install.log")
  deploy arm64 --no-build --publish-dir "$T/pub-arm64"
  check "default deploy of the --build-only bundle exits 0 (self-contained, no .NET runtime on the Pi)" eval '[[ $RC == 0 ]] &&
    out_has "(self-contained linux-arm64)" && out_has "(self-contained); dpcpi.service is active"'
  check "default deploy: the shipped /opt/dpcpi/dpcpi is an executable aarch64 ELF (e_machine 183)" is_aarch64_elf "$ROOT/opt/dpcpi/dpcpi"
  check "default deploy: the shipped release is the --build-only bundle, file for file" eval '
    [[ $(release) == *-"$(manifest_of "$T/pub-arm64" | cut -c1-8)" && $(manifest_of "$ROOT/opt/dpcpi") == "$(manifest_of "$T/pub-arm64")" ]]'
  check "default deploy: unit ExecStart runs /opt/dpcpi/dpcpi directly, the dotnet line commented out" eval '
    unit_has "ExecStart=/opt/dpcpi/dpcpi run --config /etc/dpcpi/appsettings.json" &&
    [[ $(grep -c "^ExecStart=" "$ROOT/etc/systemd/system/dpcpi.service") == 1 ]] &&
    unit_has "#ExecStart=/usr/bin/dotnet /opt/dpcpi/dpcpi.dll run --config /etc/dpcpi/appsettings.json"'
  check "default deploy: no runtime check on the Pi (its dotnet never called)" eval '[[ $(lines_of "$STATE/dotnet.log") == "$N_DOTNET" ]]'
  check "default deploy: user created, daemon-reload, restart" eval 'grep -q "^dpcpi:" "$ROOT/etc/passwd" &&
    has_call daemon-reload && has_call "restart dpcpi.service"'

  # The same bundle again through deploy.sh's own default build (the stand-in dotnet): no change.
  : >"$STATE/dotnet-build.log"
  snapshot "$T/snap.before"
  PATH=$T/fakebin:$PATH deploy arm64-again --install-runtime
  snapshot "$T/snap.after"
  grep -v "$STATE" "$T/snap.before" >"$T/snap.before.f"
  grep -v "$STATE" "$T/snap.after" >"$T/snap.after.f"
  check "default deploy with its own build runs dotnet publish -c Release -r linux-arm64 --self-contained" eval '[[ $RC == 0 ]] &&
    grep -q -- "^publish $REPO/src/DpcPi.Cli -c Release -o .* -nologo -r linux-arm64 --self-contained$" "$STATE/dotnet-build.log"'
  check "second default deploy of the same build: unchanged, no copy, no restart, no file changed" eval '
    out_has "deploy.sh: unchanged" && out_has "no copy" && no_call restart && cmp -s "$T/snap.before.f" "$T/snap.after.f"'
  check "self-contained: --install-runtime is ignored (said so), no runtime installed" eval '
    out_has "--install-runtime ignored" && [[ ! -e $ROOT/usr/share/dotnet ]] &&
    [[ $(lines_of "$STATE/dotnet-install.log") == "$N_INSTALL" && $(lines_of "$STATE/dotnet.log") == "$N_DOTNET" ]]'
  rm -f "$STATE/no-runtime"

  # A Pi with a 32-bit OS cannot run the arm64 bundle: refused at preflight, nothing installed.
  # shellcheck disable=SC2034
  REL_ARM=$(release)
  DPCPI_UNAME=$T/bin/uname-armv7l deploy arm64-on-armv7 --no-build --publish-dir "$T/pub-arm64"
  check "self-contained onto an armv7l Pi: step 'preflight' fails, naming --framework-dependent" eval '[[ $RC == 1 ]] &&
    err_last_is_step_failure preflight && tail -n 1 "$ERR" | grep -q "armv7l.*--framework-dependent" && [[ $(release) == "$REL_ARM" ]]'

  # --no-build: the dir decides the kind; an explicit flag must agree.
  deploy arm64-as-fd --framework-dependent --no-build --publish-dir "$T/pub-arm64"
  check "--framework-dependent --no-build of a self-contained dir: step 'build' fails, nothing deployed" eval '[[ $RC == 1 ]] &&
    err_last_is_step_failure build && [[ ! -s $CALLS && $(release) == "$REL_ARM" ]]'
  unset DPCPI_UNAME
  export DPCPI_TARGET_ROOT=$T/root
  ROOT=$DPCPI_TARGET_ROOT
else
  failed "default deploy of the arm64 bundle: not run, --build-only made no aarch64 bundle"
  show_logs
fi

# A self-contained dir whose apphost is no aarch64 program (an x86-64 ELF header) is refused.
make_pub "$T/pub-x64" x64
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\076\0' >"$T/pub-x64/dpcpi"
chmod +x "$T/pub-x64/dpcpi"
printf 'hostfxr\n' >"$T/pub-x64/libhostfxr.so"
deploy x64 --no-build --publish-dir "$T/pub-x64"
check "a self-contained dir with an x86-64 apphost: step 'build' fails naming aarch64, no ssh step" eval '[[ $RC == 1 ]] &&
  err_last_is_step_failure build && tail -n 1 "$ERR" | grep -q "e_machine: 62" && [[ ! -s $CALLS ]] && ! out_has "==> preflight"'

# --self-contained is the default, accepted as before: the same build and unit in a dry run.
dry_lines() { grep -E '^  (\+ dotnet publish|unit: ExecStart=)' "$OUT" | sed -E 's|-o [^ ]*|-o DIR|'; }
deploy dry-default --dry-run
dry_lines >"$T/dry-default"
deploy dry-sc --self-contained --dry-run
dry_lines >"$T/dry-sc"
check "--self-contained (a no-op alias) prints the same build and ExecStart as the default" eval '[[ $RC == 0 ]] &&
  grep -q -- "-r linux-arm64 --self-contained" "$T/dry-sc" && grep -q "^  unit: ExecStart=/opt/dpcpi/dpcpi run --config" "$T/dry-sc" &&
  cmp -s "$T/dry-default" "$T/dry-sc"'
deploy dry-fd --framework-dependent --dry-run
check "--framework-dependent dry run: portable publish, ExecStart via /usr/bin/dotnet" eval '[[ $RC == 0 ]] &&
  out_has "+ dotnet publish .* -p:UseAppHost=false" && ! out_has "linux-arm64 --self-contained" &&
  out_has "^  unit: ExecStart=/usr/bin/dotnet /opt/dpcpi/dpcpi.dll run --config"'

# ---------------------------------------------------------------------------------------------
# The lab's Prometheus target list: --fleet adds the deployed Pi once; --fleet-only adds without deploying.
cp "$REPO/hardware/prometheus/targets/dpcpi.yml" "$T/fleet.yml"
deploy fleet --no-build --publish-dir "$T/pub1" --fleet "$T/fleet.yml"
check "--fleet: after the deploy the Pi is added to the target list as host:8642" eval '[[ $RC == 0 ]] && out_has "==> fleet" &&
  [[ $(grep -cx "    - ${TARGET##*@}:8642" "$T/fleet.yml") == 1 ]]'
deploy fleet-again --no-build --publish-dir "$T/pub1" --fleet "$T/fleet.yml"
check "--fleet: a second deploy leaves the list as it was" eval '[[ $RC == 0 ]] && out_has "unchanged: ${TARGET##*@}:8642 is already in" &&
  [[ $(grep -c "^    - " "$T/fleet.yml") == 1 ]]'
RC=0
"$DEPLOY" --fleet "$T/fleet.yml" --fleet-only --fleet-port 9000 pi@bench07.lab >"$T/logs/fleet-only.out" 2>&1 </dev/null || RC=$?
check "--fleet-only adds another Pi with --fleet-port, no ssh" eval '[[ $RC == 0 ]] && grep -qx "    - bench07.lab:9000" "$T/fleet.yml" &&
  grep -qx "    - ${TARGET##*@}:8642" "$T/fleet.yml"'
if command -v promtool >/dev/null; then
  mkdir -p "$T/prom/targets" && cp "$T/fleet.yml" "$T/prom/targets/dpcpi.yml"
  sed '/^rule_files:/,/dpcpi-alerts.yml/d' "$REPO/hardware/prometheus/prometheus.yml" >"$T/prom/prometheus.yml"
  check "the list deploy.sh wrote is valid for promtool check config" promtool check config "$T/prom/prometheus.yml"
fi
printf '# no list here\n' >"$T/not-a-list.yml"
check "--fleet refuses a file that does not end with a targets: list (exit 2, one line)" usage_rc --fleet "$T/not-a-list.yml" --fleet-only pi@x
check "--fleet-only without --fleet, and a bad --fleet-port, are usage errors" eval 'usage_rc --fleet-only pi@x &&
  usage_rc --fleet "$T/fleet.yml" --fleet-port 70000 --fleet-only pi@x'

# ---------------------------------------------------------------------------------------------
# Optional: deploy.sh's own real builds (dotnet publish of src/DpcPi.Cli).
if [[ ${DPCPI_DEPLOY_REAL_BUILD:-0} == 1 ]]; then
  export DPCPI_TARGET_ROOT=$T/root-real DPCPI_UNAME=$T/bin/uname-aarch64
  ROOT=$DPCPI_TARGET_ROOT
  mkdir -p "$ROOT/etc"
  printf 'root:x:0:\ngpio:x:997:pi\n' >"$ROOT/etc/group"
  deploy real-build --publish-dir "$T/pub-real"
  check "real default build: dotnet publish -r linux-arm64 + deploy, aarch64 apphost shipped" eval '[[ $RC == 0 ]] &&
    is_aarch64_elf "$ROOT/opt/dpcpi/dpcpi" && unit_has "ExecStart=/opt/dpcpi/dpcpi run --config /etc/dpcpi/appsettings.json"'
  build_only real-fd --framework-dependent --publish-dir "$T/pub-real-fd"
  check "real --framework-dependent build: dpcpi.dll, no apphost, no libhostfxr.so" eval '[[ $RC == 0 &&
    -f $T/pub-real-fd/dpcpi.dll && -f $T/pub-real-fd/dpcpi.runtimeconfig.json && ! -e $T/pub-real-fd/dpcpi && ! -e $T/pub-real-fd/libhostfxr.so ]]'
  unset DPCPI_UNAME
  export DPCPI_TARGET_ROOT=$T/root
  ROOT=$DPCPI_TARGET_ROOT
else
  echo "# deploy.sh's own real builds skipped (set DPCPI_DEPLOY_REAL_BUILD=1)"
fi

finish
