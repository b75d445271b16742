#!/usr/bin/env bash
# Install ivr-ci from the action's own checkout into a venv under $RUNNER_TEMP, once per job.
# Inputs (env): PYTHON (from actions/setup-python, update-environment: false), IVR_CI_SOURCE.
# Output: python=<interpreter with ivr-ci installed>.
set -euo pipefail
if [ -n "${IVR_CI_ACTION_TEST_PYTHON:-}" ]; then
  # Test harness hook: use an interpreter that already has this checkout installed.
  echo "python=$IVR_CI_ACTION_TEST_PYTHON" >> "$GITHUB_OUTPUT"
  exit 0
fi
venv="${RUNNER_TEMP:?}/ivr-ci-venv"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:?setup-python did not report a python path}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${IVR_CI_SOURCE:?}"
fi
echo "python=$venv/bin/python" >> "$GITHUB_OUTPUT"
