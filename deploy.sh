#!/usr/bin/env bash
# deploy.sh - build DpcPi and install it as a systemd service on a Raspberry Pi.
# Usage and details: ./deploy.sh --help, and hardware/DEPLOY.md.
#
# The functions named r_* below never run on this machine: they are sent, with a prelude of
# variables, to `bash -s` on the Pi through remote(). They are written here so shellcheck sees them.
# shellcheck disable=SC2317  # r_* functions are only invoked on the Pi
set -euo pipefail

PROG=deploy.sh
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICE=dpcpi.service

usage() {
  cat <<'EOF'
Usage: ./deploy.sh [options] [user@]host
       ./deploy.sh --build-only --publish-dir DIR [--framework-dependent]

Builds DpcPi (dotnet publish src/DpcPi.Cli), copies it to the Pi over ssh and installs it as the
systemd service dpcpi: /opt/dpcpi (a symlink to /opt/dpcpi-releases/<release>), the unit
/etc/systemd/system/dpcpi.service, a default /etc/dpcpi/appsettings.json if none exists, and the
system user dpcpi (group gpio). Then restarts the service, waits until it is active (READY=1) and
prints its status and first latency summary. A second run with the same build changes nothing.

The default build is self-contained for linux-arm64 (dotnet publish -r linux-arm64
--self-contained): the .NET runtime travels with it, the Pi needs none, and the unit runs the
apphost directly: ExecStart=/opt/dpcpi/dpcpi run ... The Pi must run a 64-bit OS (aarch64).

Options:
  -p, --port N            ssh port of the Pi (default: ssh's own, 22)
  -i, --identity FILE     ssh private key to log in with
  -o, --ssh-option OPT    extra ssh option, as for ssh -o (repeatable)
  -c, --config FILE       install FILE as /etc/dpcpi/appsettings.json, replacing the one there
                          (the old one is kept as appsettings.json.bak); without it an existing
                          config is never touched
      --framework-dependent
                          build the portable framework-dependent app instead (no RID, no apphost),
                          run by the Pi's /usr/bin/dotnet (.NET 10 runtime needed there, see
                          --install-runtime); ExecStart=/usr/bin/dotnet /opt/dpcpi/dpcpi.dll run ...
      --self-contained    the default build (accepted so older command lines keep working; a no-op)
      --build-only        build the exact bundle a deploy would ship into --publish-dir DIR, print
                          the dir and its size, and stop: no target, no ssh, no host touched
      --no-build          do not build; deploy the existing publish dir given by --publish-dir
                          (a dir with libhostfxr.so is deployed self-contained, else framework-
                          dependent; --self-contained/--framework-dependent must then agree)
      --publish-dir DIR   publish into DIR (or, with --no-build, deploy DIR as it is). DIR must be
                          absent, empty or an earlier publish dir (it holds dpcpi.dll): its contents
                          are replaced by the new build only when the build succeeded
      --install-runtime   framework-dependent only: if the Pi lacks the .NET 10 runtime, install it
                          with Microsoft's dotnet-install.sh into /usr/share/dotnet (+ /usr/bin/dotnet)
      --timeout SEC       how long to wait for the service to become active (default 30)
  -n, --dry-run           print every step and the exact commands, run none of them
      --check             only run `dpcpi doctor` on the Pi and exit with its exit code
      --fleet FILE        after the deploy, add the Pi (host:8642) to FILE, the Prometheus target list of
                          a lab (hardware/prometheus/targets/dpcpi.yml, docs/fleet.md); once per Pi.
                          The Pi's dashboard must listen where Prometheus reaches it
                          (Dashboard:Address=0.0.0.0, e.g. -c hardware/prometheus/appsettings.lab.json)
      --fleet-port N      the dashboard port written to FILE (default 8642, Dashboard:Port)
      --fleet-only        only add the Pi to --fleet FILE: no build, no ssh
  -h, --help              this text

Environment (mostly for tests; all paths/commands apply on the Pi):
  DPCPI_TARGET_ROOT   prefix for every installed path (/opt, /etc); default empty (= /). When set,
                      user/group creation is recorded in $DPCPI_TARGET_ROOT/etc/{passwd,group} and
                      $DPCPI_TARGET_ROOT/etc/dpcpi-accounts.log instead of calling useradd
  DPCPI_SYSTEMCTL     systemctl command (default systemctl)
  DPCPI_SUDO          privilege prefix (default sudo; empty when logging in as root)
  DPCPI_USERADD, DPCPI_GROUPADD, DPCPI_USERMOD   account commands (default useradd/groupadd/usermod)
  DPCPI_UNAME         uname command, for the Pi's architecture (default uname)
  DPCPI_DOTNET        dotnet used by --check and the runtime check of a framework-dependent
                      install (default /usr/bin/dotnet)
  DPCPI_STAGING       upload dir on the Pi (default ~/.dpcpi-staging)
  DPCPI_DOTNET_INSTALL_URL   where the Pi fetches dotnet-install.sh (default https://dot.net/v1/dotnet-install.sh)
  DPCPI_SSH_OPTS      extra ssh options, whitespace-separated (e.g. "-o StrictHostKeyChecking=no")

Exit status: 0 deployed or unchanged (--build-only: built); 1 a step failed (one line:
deploy.sh: step 'X' failed: ...), the previous install left running; 2 usage error; with --check,
doctor's exit code.
EOF
}

# ---------------------------------------------------------------------------------------------
# Options
PORT=""
IDENTITY=""
CONFIG_FILE=""
BUILD_KIND=""   # as asked: "" (the default: self-contained), self-contained or framework
BUILD_ONLY=0
NO_BUILD=0
PUBLISH_DIR=""
INSTALL_RUNTIME=0
WAIT_TIMEOUT=30
DRY_RUN=0
CHECK=0
FLEET_FILE=""
FLEET_PORT=8642
FLEET_ONLY=0
TARGET=""
SSH_OPTS=()

usage_error() {
  printf '%s: %s (see --help)\n' "$PROG" "$1" >&2
  exit 2
}

need_arg() {
  [[ $# -ge 2 && -n $2 ]] || usage_error "option $1 needs a value"
}

set_build_kind() { # set_build_kind KIND: --self-contained or --framework-dependent, not both
  [[ -z $BUILD_KIND || $BUILD_KIND == "$1" ]] ||
    usage_error "--self-contained and --framework-dependent exclude each other"
  BUILD_KIND=$1
}

parse_args() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h | --help) usage; exit 0 ;;
      -p | --port) need_arg "$@"; PORT=$2; shift ;;
      -i | --identity) need_arg "$@"; IDENTITY=$2; shift ;;
      -o | --ssh-option) need_arg "$@"; SSH_OPTS+=(-o "$2"); shift ;;
      -c | --config) need_arg "$@"; CONFIG_FILE=$2; shift ;;
      --self-contained) set_build_kind self-contained ;;
      --framework-dependent) set_build_kind framework ;;
      --build-only) BUILD_ONLY=1 ;;
      --no-build) NO_BUILD=1 ;;
      --publish-dir) need_arg "$@"; PUBLISH_DIR=$2; shift ;;
      --install-runtime) INSTALL_RUNTIME=1 ;;
      --timeout) need_arg "$@"; WAIT_TIMEOUT=$2; shift ;;
      -n | --dry-run) DRY_RUN=1 ;;
      --check) CHECK=1 ;;
      --fleet) need_arg "$@"; FLEET_FILE=$2; shift ;;
      --fleet-port) need_arg "$@"; FLEET_PORT=$2; shift ;;
      --fleet-only) FLEET_ONLY=1 ;;
      --) shift; break ;;
      -*) usage_error "unknown option $1" ;;
      *) [[ -z $TARGET ]] || usage_error "more than one target: $TARGET $1"; TARGET=$1 ;;
    esac
    shift
  done
  if [[ $# -gt 0 ]]; then
    [[ -z $TARGET && $# -eq 1 ]] || usage_error "unexpected arguments: $*"
    TARGET=$1
  fi
  if [[ $BUILD_ONLY == 1 ]]; then
    [[ -n $PUBLISH_DIR ]] || usage_error "--build-only needs --publish-dir DIR"
    [[ $NO_BUILD == 0 ]] || usage_error "--build-only and --no-build exclude each other"
    [[ $CHECK == 0 ]] || usage_error "--build-only and --check exclude each other"
    [[ -z $TARGET ]] || usage_error "--build-only contacts no host: drop the target '$TARGET'"
  else
    [[ -n $TARGET ]] || usage_error "no target given (user@host)"
  fi
  [[ -z $PORT || $PORT =~ ^[0-9]+$ ]] || usage_error "--port needs a number, not '$PORT'"
  [[ $FLEET_PORT =~ ^[0-9]+$ && $FLEET_PORT -ge 1 && $FLEET_PORT -le 65535 ]] || usage_error "--fleet-port needs a port 1-65535, not '$FLEET_PORT'"
  [[ $FLEET_ONLY == 0 || -n $FLEET_FILE ]] || usage_error "--fleet-only needs --fleet FILE"
  if [[ -n $FLEET_FILE ]]; then
    [[ $BUILD_ONLY == 0 && $CHECK == 0 ]] || usage_error "--fleet adds a deployed Pi: not with --build-only or --check"
    [[ -f $FLEET_FILE && -w $FLEET_FILE ]] || usage_error "fleet file '$FLEET_FILE' is not a writable file (start from hardware/prometheus/targets/dpcpi.yml)"
    fleet_list_ends "$FLEET_FILE" || usage_error "fleet file '$FLEET_FILE' does not end with a 'targets:' list to add to (see hardware/prometheus/targets/dpcpi.yml)"
  fi
  [[ $WAIT_TIMEOUT =~ ^[0-9]+$ ]] || usage_error "--timeout needs seconds, not '$WAIT_TIMEOUT'"
  [[ -z $IDENTITY || -r $IDENTITY ]] || usage_error "identity file '$IDENTITY' is not readable"
  [[ -z $CONFIG_FILE || -r $CONFIG_FILE ]] || usage_error "config file '$CONFIG_FILE' is not readable"
  if [[ $NO_BUILD == 1 ]]; then
    [[ -n $PUBLISH_DIR ]] || usage_error "--no-build needs --publish-dir DIR"
    [[ -d $PUBLISH_DIR ]] || usage_error "publish dir '$PUBLISH_DIR' does not exist"
  elif [[ -n $PUBLISH_DIR && $CHECK == 0 ]]; then
    # The build replaces DIR's contents: only ever those of an earlier publish.
    [[ ! -e $PUBLISH_DIR || -d $PUBLISH_DIR ]] || usage_error "publish dir '$PUBLISH_DIR' is not a directory"
    if [[ -d $PUBLISH_DIR && ! -f $PUBLISH_DIR/dpcpi.dll ]] &&
      [[ -n $(find "$PUBLISH_DIR" -mindepth 1 -maxdepth 1 -print -quit 2>/dev/null) ]]; then
      usage_error "publish dir '$PUBLISH_DIR' is neither empty nor an earlier publish (no dpcpi.dll): not replacing its contents"
    fi
  fi
}

# ---------------------------------------------------------------------------------------------
# The lab's Prometheus target list (file_sd, hardware/prometheus/targets/dpcpi.yml): the last group ends
# with "  targets:" and one "    - host:port" line per Pi, so adding a Pi is appending a line.

fleet_list_ends() { # true when FILE's last entry line is "targets:" or one of its "- host:port" items
  local last
  last=$(grep -Ev '^[[:space:]]*(#.*)?$' "$1" | tail -n 1 || true)
  [[ $last =~ ^[[:space:]]+targets:[[:space:]]*$ || $last =~ ^[[:space:]]+-[[:space:]]+[^[:space:]]+[[:space:]]*$ ]]
}

fleet_host() { # the host part of [user@]host
  printf '%s' "${TARGET##*@}"
}

# fleet_add: adds host:port to FLEET_FILE once (written to a temp file, then renamed over it: never half a list).
fleet_add() {
  local entry tmp
  entry="$(fleet_host):$FLEET_PORT"
  step_header "fleet"
  if grep -Eq "^[[:space:]]+-[[:space:]]+[\"']?${entry//./\\.}[\"']?[[:space:]]*$" "$FLEET_FILE"; then
    say "  unchanged: $entry is already in $FLEET_FILE"
    return 0
  fi
  if [[ $DRY_RUN == 1 ]]; then
    say "  would add '    - $entry' to $FLEET_FILE"
    return 0
  fi
  tmp=$(mktemp "$(dirname "$FLEET_FILE")/.dpcpi-fleet.XXXXXX")
  if ! { cat "$FLEET_FILE" && printf '    - %s\n' "$entry"; } >"$tmp" || ! chmod --reference="$FLEET_FILE" "$tmp" ||
    ! mv -f "$tmp" "$FLEET_FILE"; then
    rm -f "$tmp"
    fail fleet "cannot write $FLEET_FILE"
  fi
  say "  added $entry to $FLEET_FILE (Prometheus reads it within its refresh_interval)"
}

# ---------------------------------------------------------------------------------------------
# Output and failure

say() { printf '%s\n' "$*"; }

step_header() {
  printf '==> %s\n' "$1"
}

# fail STEP MESSAGE: roll back what this run changed on the Pi, then one line and exit 1.
fail() {
  local step=$1 msg=$2
  if [[ $DRY_RUN == 0 && $ROLLBACK_ARMED == 1 ]]; then
    rollback >&2 || true
  fi
  printf "%s: step '%s' failed: %s\n" "$PROG" "$step" "$msg" >&2
  exit 1
}

last_line() {
  # The last non-empty line of a file, trimmed; or $2 when there is none.
  local line
  line=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 || true)
  line=${line#"${line%%[![:space:]]*}"}
  printf '%s' "${line:-$2}"
}

# The first compiler/MSBuild error line of a build log, trimmed (it names the cause); or $2.
first_error() {
  local line
  line=$(grep -E -m 1 '(^|[^A-Za-z])error( [A-Z]+[0-9]+)?:' "$1" 2>/dev/null || true)
  line=${line#"${line%%[![:space:]]*}"}
  printf '%s' "${line:-$2}"
}

# Shell-quotes one word for display: as it is when plain, else in single quotes.
quote_arg() {
  if [[ $1 =~ ^[A-Za-z0-9_./:@%+=,-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

quote_cmd() {
  local out="" a
  for a in "$@"; do out+="$(quote_arg "$a") "; done
  printf '%s' "${out% }"
}

# ---------------------------------------------------------------------------------------------
# The Pi: every remote command goes through remote().

SSH_CMD=()

setup_ssh() {
  local extra=()
  if [[ -n ${DPCPI_SSH_OPTS:-} ]]; then
    read -r -a extra <<<"$DPCPI_SSH_OPTS"
  fi
  # ssh uses the first value it sees for an option: the caller's options go first.
  SSH_CMD=(ssh "${extra[@]}" "${SSH_OPTS[@]}" -o BatchMode=yes -o ConnectTimeout=10
    -o StrictHostKeyChecking=accept-new)
  [[ -z $PORT ]] || SSH_CMD+=(-p "$PORT")
  [[ -z $IDENTITY ]] || SSH_CMD+=(-i "$IDENTITY" -o IdentitiesOnly=yes)
}

# One ssh connection for all steps (each step is a new session on it): much faster on a Pi.
start_ssh_master() {
  SSH_CMD+=(-o ControlMaster=auto -o "ControlPath=$WORK/ssh-%C" -o ControlPersist=120)
}

stop_ssh_master() {
  if [[ -n ${WORK:-} ]] && compgen -G "$WORK/ssh-*" >/dev/null; then
    "${SSH_CMD[@]}" -O exit "$TARGET" >/dev/null 2>&1 || true
  fi
}

remote() {
  "${SSH_CMD[@]}" "$TARGET" "$@"
}

# Remote-side settings, forwarded from this environment into the prelude of every remote step.
R=${DPCPI_TARGET_ROOT:-}
R=${R%/}
SUDO_A=()
read -r -a SUDO_A <<<"${DPCPI_SUDO-sudo}"
SYSTEMCTL_A=()
read -r -a SYSTEMCTL_A <<<"${DPCPI_SYSTEMCTL:-systemctl}"
UNAME_A=()
read -r -a UNAME_A <<<"${DPCPI_UNAME:-uname}"
USERADD_A=()
GROUPADD_A=()
USERMOD_A=()
if [[ -n $R ]]; then
  read -r -a USERADD_A <<<"${DPCPI_USERADD:-r_record_account useradd}"
  read -r -a GROUPADD_A <<<"${DPCPI_GROUPADD:-r_record_account groupadd}"
  read -r -a USERMOD_A <<<"${DPCPI_USERMOD:-r_record_account usermod}"
else
  read -r -a USERADD_A <<<"${DPCPI_USERADD:-useradd}"
  read -r -a GROUPADD_A <<<"${DPCPI_GROUPADD:-groupadd}"
  read -r -a USERMOD_A <<<"${DPCPI_USERMOD:-usermod}"
fi
DOTNET=${DPCPI_DOTNET:-/usr/bin/dotnet}
STAGING=${DPCPI_STAGING:-.dpcpi-staging}
DOTNET_INSTALL_URL=${DPCPI_DOTNET_INSTALL_URL:-https://dot.net/v1/dotnet-install.sh}
MODE=self-contained # what is deployed: self-contained (linux-arm64 apphost) or framework (dll on dotnet)
STAMP=""
UNIT_TEXT=""
CONFIG_TEXT=""
CONFIG_EXPLICIT=0
# What this run changed, for rollback().
ROLLBACK_ARMED=0
RB_PREV=""
RB_RELEASE=0
RB_SWITCHED=0
RB_UNIT_BACKUP=0
RB_UNIT_NEW=0
RB_CONFIG_BACKUP=0
RB_RESTARTED=0

# The script sent before every remote step: settings, then the r_* functions.
# remote_prelude short: only the helpers (a dry run shows each step's own function at its step).
remote_prelude() {
  printf 'set -euo pipefail\n'
  declare -p R SUDO_A SYSTEMCTL_A UNAME_A USERADD_A GROUPADD_A USERMOD_A DOTNET STAGING DOTNET_INSTALL_URL \
    MODE STAMP WAIT_TIMEOUT SERVICE CONFIG_EXPLICIT RB_PREV RB_RELEASE RB_SWITCHED RB_UNIT_BACKUP \
    RB_UNIT_NEW RB_CONFIG_BACKUP RB_RESTARTED
  declare -p UNIT_TEXT CONFIG_TEXT
  local fn
  for fn in $(declare -F | awk '$3 ~ /^r_/ { print $3 }'); do
    if [[ ${1:-} == short && " $STEP_FUNCTIONS " == *" $fn "* ]]; then continue; fi
    declare -f "$fn"
  done
}

STEP_FUNCTIONS="r_preflight r_runtime r_user r_install r_config r_unit r_switch r_daemon_reload r_enable
  r_restart r_wait r_status r_prune r_rollback r_check"

# run_remote STEP FUNCTION: runs FUNCTION on the Pi. Lines it prints as "@@ key=value" are facts
# (read with fact STEP key); other output is shown indented. Stops the deploy on failure.
run_remote() {
  local step=$1 fn=$2 rc=0
  step_header "$step"
  if [[ $DRY_RUN == 1 ]]; then
    printf '  + %s %s bash -s <<EOF   # prelude above, then:\n' "$(quote_cmd "${SSH_CMD[@]}")" "$TARGET"
    declare -f "$fn" | sed 's/^/  /'
    printf '  %s\n  EOF\n' "$fn"
    return 0
  fi
  { remote_prelude; printf '%s\n' "$fn"; } | remote bash -s >"$WORK/$step.out" 2>"$WORK/$step.err" || rc=$?
  grep -v '^@@ ' "$WORK/$step.out" | sed 's/^/    /' || true
  sed 's/^/    /' "$WORK/$step.err" >&2
  grep '^@@ ' "$WORK/$step.out" | sed 's/^@@ //' >"$WORK/$step.facts" || true
  if [[ $rc -ne 0 ]]; then
    fail "$step" "$(last_line "$WORK/$step.err" "exit code $rc on $TARGET")"
  fi
}

fact() {
  [[ -f $WORK/$1.facts ]] || return 0
  sed -n "s/^$2=//p" "$WORK/$1.facts" | tail -n 1
}

# run_local STEP COMMAND...: runs a command here (dry run: prints it).
run_local() {
  local step=$1 rc=0
  shift
  step_header "$step"
  printf '  + %s\n' "$(quote_cmd "$@")"
  [[ $DRY_RUN == 0 ]] || return 0
  "$@" >"$WORK/$step.log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$WORK/$step.log" | sed 's/^/    /' >&2
    fail "$step" "$(first_error "$WORK/$step.log" "$(last_line "$WORK/$step.log" "exit code $rc")"): $1 exited $rc"
  fi
}

# ---------------------------------------------------------------------------------------------
# Remote functions (run on the Pi by run_remote; see the prelude for their variables).

r_priv() { "${SUDO_A[@]}" "$@"; }
r_sysctl() { r_priv "${SYSTEMCTL_A[@]}" "$@"; }

r_has_user() {
  if [[ -n $R ]]; then grep -q "^$1:" "$R/etc/passwd" 2>/dev/null; else getent passwd "$1" >/dev/null; fi
}

r_has_group() {
  if [[ -n $R ]]; then grep -q "^$1:" "$R/etc/group" 2>/dev/null; else getent group "$1" >/dev/null; fi
}

r_in_group() { # r_in_group USER GROUP
  if [[ -n $R ]]; then
    grep "^$2:" "$R/etc/group" 2>/dev/null | cut -d: -f4 | tr ',' '\n' | grep -qx "$1"
  else
    id -nG "$1" 2>/dev/null | tr ' ' '\n' | grep -qx "$2"
  fi
}

# Stand-in for useradd/groupadd/usermod under DPCPI_TARGET_ROOT: records instead of changing /etc.
r_record_account() {
  local tool=$1 name
  shift
  name=${*: -1}
  mkdir -p "$R/etc"
  touch "$R/etc/passwd" "$R/etc/group"
  printf '%s %s\n' "$tool" "$*" >>"$R/etc/dpcpi-accounts.log"
  case $tool in
    groupadd) printf '%s:x:990:\n' "$name" >>"$R/etc/group" ;;
    useradd)
      printf '%s:x:991:991::/var/lib/%s:/usr/sbin/nologin\n' "$name" "$name" >>"$R/etc/passwd"
      printf '%s:x:991:\n' "$name" >>"$R/etc/group"
      r_record_membership "$name" gpio
      ;;
    usermod) r_record_membership "$name" gpio ;;
  esac
}

r_record_membership() { # r_record_membership USER GROUP
  local tmp
  tmp=$(mktemp)
  awk -F: -v OFS=: -v u="$1" -v g="$2" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } 1' \
    "$R/etc/group" >"$tmp"
  cat "$tmp" >"$R/etc/group"
  rm -f "$tmp"
}

r_account() { # runs an account command: the built-in recorder directly, anything else privileged
  if [[ $1 == r_record_account ]]; then "$@"; else r_priv "$@"; fi
}

r_has_runtime() {
  local list
  list=$("$1" --list-runtimes 2>/dev/null) || return 1
  grep -q '^Microsoft\.NETCore\.App 10\.' <<<"$list" && grep -q '^Microsoft\.AspNetCore\.App 10\.' <<<"$list"
}

r_preflight() {
  if ! r_priv true; then
    echo "cannot run privileged commands with '${SUDO_A[*]}': give this user passwordless sudo, or set DPCPI_SUDO" >&2
    return 1
  fi
  echo "@@ arch=$("${UNAME_A[@]}" -m)"
  echo "@@ rsync=$(command -v rsync >/dev/null && echo yes || echo no)"
  if [[ -L $R/opt/dpcpi ]]; then
    echo "@@ current=$(readlink "$R/opt/dpcpi")"
  elif [[ -d $R/opt/dpcpi ]]; then
    echo "@@ current=(directory)"
  fi
  if [[ -f $R/opt/dpcpi/.dpcpi-manifest ]]; then
    echo "@@ manifest=$(sha256sum <"$R/opt/dpcpi/.dpcpi-manifest" | cut -d' ' -f1)"
  fi
  echo "@@ active=$(r_sysctl is-active "$SERVICE" 2>/dev/null || true)"
  if [[ $MODE == framework ]]; then
    if r_has_runtime "$DOTNET"; then echo "@@ runtime=yes"; else echo "@@ runtime=no"; fi
  fi
  echo "Pi: $(uname -n) $("${UNAME_A[@]}" -m), installed: $(readlink "$R/opt/dpcpi" 2>/dev/null || echo none)"
}

r_runtime() {
  local script dir="$R/usr/share/dotnet" rt
  script=$(mktemp)
  if command -v curl >/dev/null; then
    curl -fsSL "$DOTNET_INSTALL_URL" -o "$script"
  elif command -v wget >/dev/null; then
    wget -q -O "$script" "$DOTNET_INSTALL_URL"
  else
    echo "neither curl nor wget on the Pi to fetch dotnet-install.sh" >&2
    return 1
  fi
  for rt in dotnet aspnetcore; do
    echo "installing .NET 10 runtime '$rt' into $dir"
    r_priv bash "$script" --channel 10.0 --runtime "$rt" --install-dir "$dir" --no-path
  done
  rm -f "$script"
  r_priv mkdir -p "$R/usr/bin"
  if [[ ! -e $R/usr/bin/dotnet ]]; then
    r_priv ln -s /usr/share/dotnet/dotnet "$R/usr/bin/dotnet"
  fi
  if ! r_has_runtime "$dir/dotnet"; then
    echo "dotnet-install.sh ran but $dir/dotnet --list-runtimes still lacks .NET 10" >&2
    return 1
  fi
  echo "runtime installed: $("$dir/dotnet" --list-runtimes | tr '\n' ';')"
}

r_user() {
  if ! r_has_group gpio; then
    echo "group gpio missing: creating it (it needs a udev rule for /dev/gpiochip*, see DEPLOY.md)"
    r_account "${GROUPADD_A[@]}" --system gpio
  fi
  if ! r_has_user dpcpi; then
    r_account "${USERADD_A[@]}" --system --user-group --no-create-home --home-dir /var/lib/dpcpi \
      --shell /usr/sbin/nologin --groups gpio dpcpi
    echo "created system user dpcpi (groups: gpio)"
    echo "@@ changed=1"
  elif ! r_in_group dpcpi gpio; then
    r_account "${USERMOD_A[@]}" --append --groups gpio dpcpi
    echo "added user dpcpi to group gpio"
    echo "@@ changed=1"
  else
    echo "user dpcpi exists (in gpio)"
  fi
}

r_install() {
  local rel="$R/opt/dpcpi-releases/$STAMP"
  r_priv mkdir -p "$R/opt/dpcpi-releases"
  r_priv rm -rf "$R"/opt/dpcpi-releases/*.partial
  r_priv cp -R "$STAGING/." "$rel.partial"
  if [[ $(r_priv id -u) == 0 ]]; then r_priv chown -R 0:0 "$rel.partial"; fi
  r_priv chmod -R u+rwX,go+rX,go-w "$rel.partial"
  if ! (cd "$rel.partial" && sha256sum --quiet --strict -c .dpcpi-manifest >&2); then
    echo "files in $rel.partial do not match the manifest (transfer corrupted?)" >&2
    return 1
  fi
  r_priv mv -T "$rel.partial" "$rel"
  echo "installed release $STAMP ($(find "$rel" -type f | wc -l) files) in $rel"
}

r_config() {
  local dst="$R/etc/dpcpi/appsettings.json"
  if [[ -f $dst ]] && cmp -s <(printf '%s' "$CONFIG_TEXT") "$dst"; then
    echo "config $dst unchanged"
    return 0
  fi
  if [[ -f $dst && $CONFIG_EXPLICIT != 1 ]]; then
    echo "config $dst exists: kept (use --config FILE to replace it)"
    return 0
  fi
  r_priv mkdir -p "$R/etc/dpcpi"
  if [[ -f $dst ]]; then
    r_priv cp -p "$dst" "$dst.bak"
    echo "@@ config_backup=1"
    echo "replacing $dst (old one kept as $dst.bak)"
  else
    echo "installing default config $dst"
  fi
  printf '%s' "$CONFIG_TEXT" | r_priv tee "$dst.new" >/dev/null
  r_priv chmod 0644 "$dst.new"
  r_priv mv -f "$dst.new" "$dst"
  echo "@@ changed=1"
}

r_unit() {
  local dst="$R/etc/systemd/system/$SERVICE"
  if [[ -f $dst ]] && cmp -s <(printf '%s' "$UNIT_TEXT") "$dst"; then
    echo "unit $dst unchanged"
    return 0
  fi
  r_priv mkdir -p "$R/etc/systemd/system" "$R/opt/dpcpi-releases"
  if [[ -f $dst ]]; then
    r_priv cp -p "$dst" "$R/opt/dpcpi-releases/$SERVICE.prev"
    echo "@@ unit_backup=1"
  else
    echo "@@ unit_new=1"
  fi
  printf '%s' "$UNIT_TEXT" | r_priv tee "$dst.new" >/dev/null
  r_priv chmod 0644 "$dst.new"
  r_priv mv -f "$dst.new" "$dst"
  echo "installed unit $dst"
  echo "@@ changed=1"
}

r_switch() {
  local link="$R/opt/dpcpi" tmp="$R/opt/.dpcpi.link-$STAMP"
  if [[ -d $link && ! -L $link ]]; then
    # An install from before releases existed: keep it as a release so it can be switched back to.
    r_priv mv -T "$link" "$R/opt/dpcpi-releases/legacy-$STAMP"
    echo "@@ prev=dpcpi-releases/legacy-$STAMP"
  elif [[ -L $link ]]; then
    echo "@@ prev=$(readlink "$link")"
  fi
  r_priv ln -sfn "dpcpi-releases/$STAMP" "$tmp"
  r_priv mv -T "$tmp" "$link" # rename(2): the switch is atomic
  echo "/opt/dpcpi -> dpcpi-releases/$STAMP"
}

r_daemon_reload() { r_sysctl daemon-reload; }

r_enable() {
  if [[ $(r_sysctl is-enabled "$SERVICE" 2>/dev/null || true) == enabled ]]; then
    echo "$SERVICE already enabled"
  else
    r_sysctl enable "$SERVICE"
    echo "enabled $SERVICE"
  fi
}

r_restart() {
  r_sysctl restart "$SERVICE"
  echo "restarted $SERVICE"
}

r_wait() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) state="" status=""
  while :; do
    state=$(r_sysctl is-active "$SERVICE" 2>/dev/null || true)
    case $state in
      active)
        status=$(r_sysctl show -p StatusText --value "$SERVICE" 2>/dev/null || true)
        [[ -z $status ]] || break
        ;;
      failed | inactive)
        echo "$SERVICE is $state after start; see: journalctl -u dpcpi -n 50" >&2
        return 1
        ;;
    esac
    if ((SECONDS >= deadline)); then break; fi
    sleep 1
  done
  if [[ $state != active ]]; then
    echo "$SERVICE not active after ${WAIT_TIMEOUT}s (state: ${state:-unknown}); see: journalctl -u dpcpi -n 50" >&2
    return 1
  fi
  echo "@@ state=$state"
  echo "@@ status=$status"
}

r_status() {
  local status
  r_sysctl status "$SERVICE" --no-pager --lines=5 || true
  status=$(r_sysctl show -p StatusText --value "$SERVICE" 2>/dev/null || true)
  echo "@@ status=$status"
}

r_prune() { # keep the current release and the two newest others
  local cur d n=0
  cur=$(readlink "$R/opt/dpcpi")
  while IFS= read -r d; do
    [[ dpcpi-releases/${d##*/} != "$cur" ]] || continue
    n=$((n + 1))
    ((n > 2)) || continue
    r_priv rm -rf -- "$d"
    echo "pruned old release ${d##*/}"
  done < <(find "$R/opt/dpcpi-releases" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' | sort -r)
}

r_rollback() {
  set +e
  local link="$R/opt/dpcpi" unit="$R/etc/systemd/system/$SERVICE"
  if [[ $RB_SWITCHED == 1 ]]; then
    if [[ -n $RB_PREV ]]; then
      r_priv ln -sfn "$RB_PREV" "$R/opt/.dpcpi.link-rollback"
      r_priv mv -T "$R/opt/.dpcpi.link-rollback" "$link"
      echo "rollback: /opt/dpcpi -> $RB_PREV again"
    else
      echo "rollback: no previous release to go back to; the new one stays in place"
    fi
  fi
  if [[ $RB_UNIT_BACKUP == 1 ]]; then
    r_priv mv -f "$R/opt/dpcpi-releases/$SERVICE.prev" "$unit"
    echo "rollback: previous unit file restored"
  fi
  if [[ $RB_CONFIG_BACKUP == 1 ]]; then
    r_priv mv -f "$R/etc/dpcpi/appsettings.json.bak" "$R/etc/dpcpi/appsettings.json"
    echo "rollback: previous config restored"
  fi
  if [[ $RB_RELEASE == 1 && ( $RB_SWITCHED == 0 || -n $RB_PREV ) ]]; then
    r_priv rm -rf -- "$R/opt/dpcpi-releases/$STAMP" "$R/opt/dpcpi-releases/$STAMP.partial"
    echo "rollback: removed release $STAMP"
  fi
  if [[ $RB_UNIT_BACKUP == 1 ]]; then r_sysctl daemon-reload; fi
  if [[ $RB_RESTARTED == 1 && ( $RB_SWITCHED == 0 || -n $RB_PREV ) ]]; then
    if r_sysctl restart "$SERVICE"; then
      echo "rollback: previous release restarted"
    else
      echo "rollback: restarting the previous release failed too; see: journalctl -u dpcpi -n 50"
    fi
  fi
  return 0
}

r_check() {
  local app="$R/opt/dpcpi"
  if [[ ! -f $app/dpcpi.dll ]]; then
    echo "dpcpi is not installed in $app" >&2
    return 2
  fi
  cd "$app"
  if [[ -x $app/dpcpi && -f $app/libhostfxr.so ]]; then
    exec "$app/dpcpi" doctor
  fi
  exec "$DOTNET" "$app/dpcpi.dll" doctor
}

# ---------------------------------------------------------------------------------------------
# Local steps

rollback() {
  say "==> rollback (leaving the previous install in place)"
  local rc=0
  ROLLBACK_ARMED=0
  { remote_prelude; printf 'r_rollback\n'; } | remote bash -s 2>&1 | sed 's/^/    /' || rc=$?
  return "$rc"
}

check_local_tools() {
  local t
  for t in sha256sum od; do
    command -v "$t" >/dev/null || fail preflight "'$t' is not installed here"
  done
  if [[ $BUILD_ONLY == 0 ]]; then
    command -v ssh >/dev/null || fail preflight "'ssh' is not installed here"
  fi
  if [[ $NO_BUILD == 0 && $DRY_RUN == 0 ]]; then
    command -v dotnet >/dev/null || fail build "'dotnet' (SDK 10) is not installed here"
  fi
}

# elf_machine FILE: e_machine of a 64-bit little-endian ELF file (183 = aarch64, 62 = x86-64),
# read from its header with od; prints nothing for any other file.
elf_machine() {
  local b=()
  [[ -f $1 && $(od -An -tx1 -N6 "$1" 2>/dev/null | tr -d ' \n') == 7f454c460201 ]] || return 0
  read -r -a b < <(od -An -tu1 -j18 -N2 "$1")
  [[ ${#b[@]} == 2 ]] || return 0
  printf '%s' "$((b[0] + 256 * b[1]))"
}

# What a publish dir holds: self-contained (it brings the runtime's host, libhostfxr.so) or framework.
bundle_kind() {
  if [[ -f $1/libhostfxr.so ]]; then echo self-contained; else echo framework; fi
}

kind_name() {
  if [[ $1 == self-contained ]]; then echo "self-contained linux-arm64"; else echo "framework-dependent"; fi
}

# Sets PUB (the dir deployed) and MODE. Publishes into a fresh dir; with --publish-dir DIR, DIR's
# contents are replaced by it only after the build succeeded.
build() {
  if [[ $NO_BUILD == 1 ]]; then
    PUB=$(cd "$PUBLISH_DIR" && pwd)
    step_header build
    MODE=$(bundle_kind "$PUB")
    say "  skipped (--no-build): deploying $PUB ($(kind_name "$MODE"))"
    if [[ -n $BUILD_KIND && $BUILD_KIND != "$MODE" ]]; then
      fail build "$PUB is a $(kind_name "$MODE") build, not $(kind_name "$BUILD_KIND") as asked (self-contained = it has libhostfxr.so)"
    fi
  else
    MODE=${BUILD_KIND:-self-contained}
    local out=$WORK/publish
    local cmd=(dotnet publish "$REPO_DIR/src/DpcPi.Cli" -c Release -o "$out" -nologo)
    if [[ $MODE == self-contained ]]; then
      cmd+=(-r linux-arm64 --self-contained)
    else
      # Portable: no RID, no apphost (it would be for this machine's architecture, not the Pi's).
      cmd+=(-p:UseAppHost=false)
    fi
    run_local build "${cmd[@]}"
    PUB=$out
    if [[ -n $PUBLISH_DIR ]]; then
      if [[ $DRY_RUN == 0 ]]; then
        mkdir -p "$PUBLISH_DIR" 2>/dev/null || fail build "cannot create publish dir $PUBLISH_DIR"
      fi
      if [[ -d $PUBLISH_DIR ]]; then PUB=$(cd "$PUBLISH_DIR" && pwd)
      elif [[ $PUBLISH_DIR == /* ]]; then PUB=$PUBLISH_DIR
      else PUB=$PWD/$PUBLISH_DIR; fi
      printf '  + find %s -mindepth 1 -delete && cp -a %s/. %s/\n' "$(quote_arg "$PUB")" \
        "$(quote_arg "$out")" "$(quote_arg "$PUB")"
      if [[ $DRY_RUN == 0 ]]; then
        { find "$PUB" -mindepth 1 -delete && cp -a "$out/." "$PUB/"; } 2>"$WORK/copy.err" ||
          fail build "$(last_line "$WORK/copy.err" "copying the build into $PUB failed")"
      fi
    fi
  fi
  [[ $DRY_RUN == 0 || $NO_BUILD == 1 ]] || return 0
  [[ -f $PUB/dpcpi.dll ]] || fail build "no dpcpi.dll in $PUB"
  if [[ $MODE == self-contained ]]; then
    local machine
    machine=$(elf_machine "$PUB/dpcpi")
    [[ -x $PUB/dpcpi ]] || fail build "no executable apphost $PUB/dpcpi in the self-contained build"
    [[ $machine == 183 ]] ||
      fail build "$PUB/dpcpi is not a linux-arm64 (aarch64) ELF executable (ELF e_machine: ${machine:-none}); the Pi cannot run it"
    # The gpio source's edges come from this helper; the build compiles it with aarch64-linux-gnu-gcc.
    if [[ $(elf_machine "$PUB/dpcpi-stimulus") != 183 ]]; then
      say "  warning: no aarch64 dpcpi-stimulus in the bundle: 'dpcpi latency --source gpio' will not run on the Pi (apt-get install gcc-aarch64-linux-gnu, then build again)"
    fi
  fi
}

# Checksums of every published file: the identity of a release.
make_manifest() {
  mkdir -p "$WORK/meta"
  if [[ $DRY_RUN == 1 && ! -d $PUB ]]; then
    STAMP=DRYRUN
    return 0
  fi
  (cd "$PUB" && find . -type f ! -name .dpcpi-manifest -print0 | LC_ALL=C sort -z |
    xargs -0 -r sha256sum) >"$WORK/meta/.dpcpi-manifest"
  [[ -s $WORK/meta/.dpcpi-manifest ]] || fail build "publish dir $PUB is empty"
  MANIFEST_HASH=$(sha256sum <"$WORK/meta/.dpcpi-manifest" | cut -d' ' -f1)
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)-${MANIFEST_HASH:0:8}
}

render_unit() {
  local src="$REPO_DIR/hardware/dpcpi.service" text
  [[ -f $src ]] || fail render "missing $src"
  if [[ $MODE == self-contained ]]; then
    text=$(sed -e 's|^ExecStart=/usr/bin/dotnet |#ExecStart=/usr/bin/dotnet |' \
      -e 's|^#ExecStart=/opt/dpcpi/dpcpi |ExecStart=/opt/dpcpi/dpcpi |' "$src")
  else
    text=$(cat "$src")
  fi
  [[ $(grep -c '^ExecStart=' <<<"$text") == 1 ]] || fail render "$src must have exactly one active ExecStart= line"
  UNIT_TEXT="$text"$'\n'
  say "  unit: $(grep '^ExecStart=' <<<"$text")"
}

DEFAULT_CONFIG='{
  "Logging": {
    "LogLevel": {
      "Default": "Information"
    }
  }
}
'

read_config() {
  local src=""
  if [[ -n $CONFIG_FILE ]]; then
    src=$CONFIG_FILE
    CONFIG_EXPLICIT=1
  elif [[ -f $PUB/appsettings.json ]]; then
    src=$PUB/appsettings.json
  fi
  if [[ -n $src ]]; then
    CONFIG_TEXT=$(cat "$src"; printf x) # keep trailing newlines exactly
    CONFIG_TEXT=${CONFIG_TEXT%x}
  else
    CONFIG_TEXT=$DEFAULT_CONFIG
  fi
}

upload() {
  step_header upload
  local dest=$STAGING
  if [[ $DRY_RUN == 0 && $(fact preflight rsync) != yes ]] || ! command -v rsync >/dev/null; then
    # No rsync on one side: a tar stream through remote() does the same job.
    local q
    q=$(printf '%q' "$dest")
    printf '  + tar -C %q -cf - . -C %q .dpcpi-manifest | %s %s %q\n' "$PUB" "$WORK/meta" \
      "$(quote_cmd "${SSH_CMD[@]}")" "$TARGET" "rm -rf $q && mkdir -p $q && tar -C $q -xf -"
    [[ $DRY_RUN == 0 ]] || return 0
    tar -C "$PUB" -cf - . -C "$WORK/meta" .dpcpi-manifest |
      remote "rm -rf $q && mkdir -p $q && tar -C $q -xf -" 2>"$WORK/upload.err" ||
      fail upload "$(last_line "$WORK/upload.err" "tar over ssh failed")"
    return 0
  fi
  local rsh="" a
  for a in "${SSH_CMD[@]}"; do rsh+="$(quote_arg "$a") "; done # rsync splits -e at spaces, honours quotes
  local cmd=(rsync -a --delete --checksum -e "${rsh% }" "$PUB/" "$WORK/meta/" "$TARGET:$dest/")
  printf '  + %s %s %s\n' "$(quote_cmd "${SSH_CMD[@]}")" "$TARGET" "$(quote_arg "mkdir -p $(printf '%q' "$dest")")"
  printf '  + %s\n' "$(quote_cmd "${cmd[@]}")"
  [[ $DRY_RUN == 0 ]] || return 0
  remote "mkdir -p $(printf '%q' "$dest")" 2>"$WORK/upload.err" ||
    fail upload "$(last_line "$WORK/upload.err" "mkdir $dest failed")"
  "${cmd[@]}" 2>"$WORK/upload.err" || fail upload "$(last_line "$WORK/upload.err" "rsync failed")"
  say "    copied $(find "$PUB" -type f | wc -l) files to $TARGET:$dest"
}

run_check() {
  local rc=0
  step_header "check (dpcpi doctor on $TARGET)"
  if [[ $DRY_RUN == 1 ]]; then
    printf '  + %s %s bash -s <<EOF\n' "$(quote_cmd "${SSH_CMD[@]}")" "$TARGET"
    declare -f r_check | sed 's/^/  /'
    printf '  r_check\n  EOF\n'
    return 0
  fi
  { remote_prelude; printf 'r_check\n'; } | remote bash -s || rc=$?
  say "$PROG: dpcpi doctor exited $rc"
  return "$rc"
}

main() {
  parse_args "$@"
  if [[ $FLEET_ONLY == 1 ]]; then
    fleet_add
    return 0
  fi
  setup_ssh
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/dpcpi-deploy.XXXXXX")
  trap 'stop_ssh_master; rm -rf "$WORK"' EXIT
  start_ssh_master
  if [[ $DRY_RUN == 1 && $BUILD_ONLY == 1 ]]; then
    say "$PROG: dry run: printing the build into $PUBLISH_DIR, running nothing"
  elif [[ $DRY_RUN == 1 ]]; then
    say "$PROG: dry run: printing the steps for $TARGET, running none of them"
  fi
  if [[ $CHECK == 1 ]]; then
    local rc=0
    run_check || rc=$?
    exit "$rc"
  fi

  check_local_tools
  build
  make_manifest
  if [[ $BUILD_ONLY == 1 ]]; then
    if [[ $DRY_RUN == 1 ]]; then
      say "$PROG: dry run done: nothing was built"
    else
      say "$PROG: built $(kind_name "$MODE") bundle in $PUB: $(du -sh "$PUB" | cut -f1), $(find "$PUB" -type f | wc -l) files, manifest ${MANIFEST_HASH:0:8}"
    fi
    return 0
  fi
  render_unit
  read_config
  if [[ $DRY_RUN == 1 ]]; then
    step_header "prelude sent before every remote step (bash -s on $TARGET), with the step functions below"
    remote_prelude short | sed 's/^/  | /'
  fi

  run_remote preflight r_preflight
  local changed=0 release_changed=1 unit_changed=0 active
  active=$(fact preflight active)
  if [[ $DRY_RUN == 0 && $MODE == self-contained && $(fact preflight arch) != aarch64 ]]; then
    fail preflight "the self-contained build is linux-arm64 (aarch64) but the Pi is $(fact preflight arch): use a 64-bit OS on the Pi, or deploy --framework-dependent"
  fi
  if [[ $MODE == self-contained && $INSTALL_RUNTIME == 1 ]]; then
    say "  (--install-runtime ignored: the self-contained build brings its own runtime)"
  fi
  if [[ $MODE == framework && $(fact preflight runtime) == no ]]; then
    if [[ $INSTALL_RUNTIME == 1 ]]; then
      run_remote runtime r_runtime
    else
      fail preflight "the .NET 10 runtime (Microsoft.NETCore.App + Microsoft.AspNetCore.App 10.x) is missing on the Pi ($DOTNET): rerun with --install-runtime, or deploy the default self-contained build"
    fi
  elif [[ $DRY_RUN == 1 && $MODE == framework && $INSTALL_RUNTIME == 1 ]]; then
    say "(only if the Pi lacks the .NET 10 runtime:)"
    run_remote runtime r_runtime
  fi

  run_remote user r_user
  [[ $(fact user changed) != 1 ]] || changed=1

  if [[ $DRY_RUN == 0 && -n ${MANIFEST_HASH:-} && $(fact preflight manifest) == "$MANIFEST_HASH" ]]; then
    release_changed=0
    step_header upload
    say "  unchanged: release $(fact preflight current) has the same files (manifest ${MANIFEST_HASH:0:12}); no copy"
  else
    changed=1
    upload
    ROLLBACK_ARMED=1
    RB_RELEASE=1
    run_remote install r_install
  fi
  ROLLBACK_ARMED=1

  run_remote config r_config
  if [[ $(fact config changed) == 1 ]]; then changed=1; fi
  [[ $(fact config config_backup) != 1 ]] || RB_CONFIG_BACKUP=1

  run_remote unit r_unit
  if [[ $(fact unit changed) == 1 ]]; then changed=1 unit_changed=1; fi
  [[ $(fact unit unit_backup) != 1 ]] || RB_UNIT_BACKUP=1

  if [[ $release_changed == 1 ]]; then
    RB_PREV=$(fact preflight current)
    [[ $RB_PREV != "(directory)" ]] || RB_PREV=dpcpi-releases/legacy-$STAMP
    RB_SWITCHED=1
    run_remote switch r_switch
    RB_PREV=$(fact switch prev)
  fi

  if [[ $unit_changed == 1 || $DRY_RUN == 1 ]]; then
    run_remote daemon-reload r_daemon_reload
  fi
  run_remote enable r_enable

  if [[ $changed == 1 || $active != active || $DRY_RUN == 1 ]]; then
    [[ $changed == 1 || $DRY_RUN == 1 ]] || say "(nothing changed, but $SERVICE is ${active:-not active}: starting it)"
    RB_RESTARTED=1
    run_remote restart r_restart
    run_remote wait r_wait
  else
    step_header restart
    say "  unchanged: release, unit and config are as installed; $SERVICE not restarted"
  fi
  ROLLBACK_ARMED=0

  run_remote status r_status
  if [[ $release_changed == 1 ]]; then run_remote prune r_prune; fi

  if [[ -n $FLEET_FILE ]]; then fleet_add; fi
  if [[ $DRY_RUN == 1 ]]; then
    say "$PROG: dry run done: nothing was changed"
    return 0
  fi
  local summary
  summary=$(fact status status)
  say "latency: ${summary:-(no summary reported yet; see: systemctl status dpcpi)}"
  if [[ $changed == 0 ]]; then
    say "$PROG: unchanged: $TARGET already runs release $(fact preflight current)"
  else
    say "$PROG: deployed release $STAMP to $TARGET ($MODE); $SERVICE is active"
  fi
}

main "$@"
