#!/usr/bin/env bash
# Install ivr-ci's runtime dependencies into a venv under $RUNNER_TEMP, from a hash-checked lock,
# and point the venv at this action's own checkout (no build step: the checkout is the package).
#
#   install.sh key   -> outputs key=<cache key> path=<venv dir> for actions/cache
#   install.sh       -> outputs python=<interpreter with ivr-ci importable>
#
# Inputs (env): PYTHON (from actions/setup-python, update-environment: false), IVR_CI_SOURCE (the
# action's checkout), PYTHON_VERSION (setup-python's python-version output, for the key).
# Runs under bash 3.2 (macOS) and Git Bash (Windows): no GNU-only flags, no bash-4 features.
set -euo pipefail

source_root="${IVR_CI_SOURCE:?}"
lock="$source_root/entrypoints/_shared/requirements.lock"
venv="${RUNNER_TEMP:?}/ivr-ci-venv"

venv_python() {
  # POSIX venvs put the interpreter in bin/, Windows venvs in Scripts\ (python.exe).
  if [ -f "$1/Scripts/python.exe" ]; then
    echo "$1/Scripts/python.exe"
  elif [ -f "$1/bin/python" ]; then
    echo "$1/bin/python"
  fi
}

lock_digest() {
  # The lock's own header line records the digest of what it was generated from.
  sed -n 's/^# lock-digest: *//p' "$lock" | head -n 1
}

if [ "${1:-}" = "key" ]; then
  version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$source_root/ivr_ci/__init__.py")
  os_name="${RUNNER_OS:-$(uname -s)}"
  echo "key=ivr-ci-venv-$os_name-${RUNNER_ARCH:-$(uname -m)}-py${PYTHON_VERSION:-unknown}-$version-$(lock_digest)" >> "$GITHUB_OUTPUT"
  echo "path=$venv" >> "$GITHUB_OUTPUT"
  exit 0
fi

if [ -n "${IVR_CI_ACTION_TEST_PYTHON:-}" ]; then
  # Test harness hook: use an interpreter that already has this checkout importable.
  echo "python=$IVR_CI_ACTION_TEST_PYTHON" >> "$GITHUB_OUTPUT"
  exit 0
fi

stamp="$venv/ivr-ci-lock-digest"
python=$(venv_python "$venv")
if [ -n "$python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(lock_digest)" ]; then
  echo "ivr-ci: dependencies restored from the cache ($venv)"
else
  rm -rf "$venv"
  "${PYTHON:?setup-python did not report a python path}" -m venv --without-pip "$venv" 2>/dev/null \
    || "$PYTHON" -m venv "$venv"
  python=$(venv_python "$venv")
  if [ -z "$python" ]; then
    echo "::error::ivr-ci: no interpreter found in the new venv $venv (neither bin/python nor Scripts/python.exe)"
    exit 1
  fi
  # pip from the base interpreter installs into the venv's site-packages (--python), so the venv
  # itself needs no pip: that saves ~3 s of ensurepip on every cold start.
  site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if "$PYTHON" -m pip --version >/dev/null 2>&1 && "$PYTHON" -m pip install --help 2>/dev/null | grep -q -- '--python '; then
    pip_cmd=("$PYTHON" -m pip --python "$python")
  else
    [ -f "$(dirname "$python")/pip" ] || [ -f "$(dirname "$python")/pip.exe" ] || "$python" -m ensurepip --default-pip >/dev/null
    pip_cmd=("$python" -m pip)
  fi
  "${pip_cmd[@]}" install --quiet --disable-pip-version-check --no-input --require-hashes --no-deps \
    -r "$lock"
  echo "ivr-ci: installed the locked dependencies into $venv ($site)"
  lock_digest > "$stamp"
fi

# The checkout is the package: a .pth file (as an editable install writes) puts it on the venv's
# path. Written on every run, so a venv restored from the cache points at this run's checkout.
site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if command -v cygpath >/dev/null 2>&1; then
  cygpath -w "$source_root" > "$site/ivr_ci_source.pth"  # Git Bash: Python on Windows reads D:\a\...
else
  (cd "$source_root" && pwd -P) > "$site/ivr_ci_source.pth"
fi
if ! "$python" -c 'import ivr_ci' >/dev/null 2>&1; then
  echo "::error::ivr-ci: the installed environment cannot import ivr_ci from $source_root"
  exit 1
fi
echo "python=$python" >> "$GITHUB_OUTPUT"
