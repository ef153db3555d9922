# shellcheck shell=bash
# Shared by bin/test and bin/run (sourced, not run): step messages, root/apt helpers and the .venv bootstrap.
# The caller sets REPO_ROOT and `set -euo pipefail` before sourcing this file.
#
# Environment: PYTHON (interpreter that creates .venv; default python3.11, else python3),
#              IMMICH_SETUP_LOG (installer output; default /tmp/immich-setup-<uid>-<checksum of the checkout's path>.log).

VENV_DIR="$REPO_ROOT/.venv"
VENV_PY="$VENV_DIR/bin/python"
# One log per user and checkout: two clones set up at once never empty each other's log.
SETUP_LOG=${IMMICH_SETUP_LOG:-${TMPDIR:-/tmp}/immich-setup-$(id -u)-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1).log}
: >"$SETUP_LOG"

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

die() {
  say "error: $*"
  exit 1
}

# Like die, but shows the end of the installer log first.
die_with_log() {
  show_log_tail
  die "$* (full log: $SETUP_LOG)"
}

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
  local seconds=$1
  shift
  local i
  for ((i = 0; i < seconds; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}

can_be_root() {
  [[ $(id -u) -eq 0 ]] || command -v sudo >/dev/null 2>&1
}

# Runs a command as root: directly when we are root, else through sudo (which may ask for a password on a terminal).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif [[ -t 0 ]]; then
    sudo "$@"
  else
    sudo -n "$@"
  fi
}

# Shows the end of the installer log.
show_log_tail() {
  tail -n 20 "$SETUP_LOG" | sed 's/^/    /' >&2 || true
}

# apt-get install of the given packages, output to the log. Returns 1 (after showing the log's end when apt-get ran
# and failed) where apt-get or root is unavailable or the install fails; the caller decides what that means.
_apt_updated=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  can_be_root || return 1
  if [[ -z $_apt_updated ]]; then
    say "apt-get update (log: $SETUP_LOG)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update >>"$SETUP_LOG" 2>&1; then
      show_log_tail
      return 1
    fi
    _apt_updated=1
  fi
  say "apt-get install $* (log: $SETUP_LOG)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$SETUP_LOG" 2>&1; then
    show_log_tail
    return 1
  fi
}

_base_python() {
  if [[ -n ${PYTHON:-} ]]; then
    printf '%s\n' "$PYTHON"
  elif command -v python3.11 >/dev/null 2>&1; then
    printf 'python3.11\n'
  else
    printf 'python3\n'
  fi
}

# The stamp file that holds the hash of a lock file's installed version.
_stamp() {
  local name=${1##*/}
  printf '%s/.installed-%s.sha256\n' "$VENV_DIR" "${name%.txt}"
}

_sha256() {
  "$VENV_PY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
}

# Creates .venv if it is missing or broken, and installs the named lock files of requirements/ (runtime, test, bench,
# dev; made by bin/lock from pyproject.toml) into it, together, unless each one's stamp file says that this exact
# file is already installed.
ensure_venv() {
  (($# > 0)) || die "ensure_venv: name at least one lock file"
  local name lock
  local locks=()
  for name in "$@"; do
    lock=$REPO_ROOT/requirements/$name.txt
    [[ -f $lock ]] || die "$lock not found"
    locks+=("$lock")
  done

  if ! "$VENV_PY" -c '' >/dev/null 2>&1; then
    local python
    python=$(_base_python)
    command -v "$python" >/dev/null 2>&1 || die "$python not found: install Python 3.11 (or set PYTHON)"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
      die "$("$python" --version 2>&1) is too old: Python 3.11 or newer is needed (set PYTHON to choose one)"
    if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      say "venv: the venv module is missing; installing python3-venv"
      apt_install python3-venv || die "$python cannot create virtual environments: install python3-venv (needs apt-get and root)"
    fi
    rm -rf "$VENV_DIR" # a half-made one, or one whose interpreter is gone
    say "venv: creating .venv with $("$python" --version 2>&1)"
    "$python" -m venv "$VENV_DIR" >>"$SETUP_LOG" 2>&1 || die_with_log "$python -m venv .venv failed"
    "$VENV_PY" -m pip install --disable-pip-version-check --upgrade pip >>"$SETUP_LOG" 2>&1 ||
      say "warning: could not upgrade pip in .venv; going on with $("$VENV_PY" -m pip --version | cut -d' ' -f1-2)"
  fi

  local stale=() installed
  for lock in "${locks[@]}"; do
    installed=""
    [[ -f $(_stamp "$lock") ]] && installed=$(<"$(_stamp "$lock")")
    [[ $(_sha256 "$lock") == "$installed" ]] || stale+=("${lock#"$REPO_ROOT"/}")
  done
  if ((${#stale[@]} == 0)); then
    say "venv: .venv is up to date with ${locks[*]#"$REPO_ROOT"/}"
    return 0
  fi
  say "venv: installing ${stale[*]} into .venv (log: $SETUP_LOG)"
  local args=()
  for lock in "${locks[@]}"; do args+=(-r "$lock"); done
  "$VENV_PY" -m pip install --disable-pip-version-check "${args[@]}" >>"$SETUP_LOG" 2>&1 ||
    die_with_log "pip install of ${stale[*]} failed"
  for lock in "${locks[@]}"; do _sha256 "$lock" >"$(_stamp "$lock")"; done
}
