#!/usr/bin/env bash
# The whole ivr-ci pipeline on the bundled example, against a local Genesys Cloud API emulator:
# lint -> validate -> caller-path tests -> simulate -> promote plan/apply -> no-op re-plan ->
# an out-of-band edit "in the Architect UI" -> audit report. No Genesys org needed.
#
#   pip install . && bash examples/demo.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ivr-ci-demo.XXXXXX")"
cp -R "$here/." "$work/"
cd "$work"
PY="${PYTHON:-python3}"
IVR=(ivr-ci)
command -v ivr-ci >/dev/null 2>&1 || IVR=("$PY" -m ivr_ci)

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

# 1. The emulator: two orgs (dev, prod), OAuth clients from the seed; first line is its address.
"${IVR[@]}" emulator --port 0 --seed emulator-seed.yaml >emulator.out 2>emulator.err &
emu=$!
trap 'kill "$emu" 2>/dev/null || true; wait "$emu" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^IVR_CI_API_BASE=' emulator.out 2>/dev/null && break; sleep 0.1; done
export IVR_CI_API_BASE="$(sed -n 's/^IVR_CI_API_BASE=//p' emulator.out | head -1)"
[ -n "$IVR_CI_API_BASE" ] || { cat emulator.err >&2; exit 1; }
# Credentials come from the environment variables .ivr-ci.yaml names (never from the repo).
export DEV_GENESYS_CLIENT_ID=dev-deployer DEV_GENESYS_CLIENT_SECRET=dev-deployer-secret
echo "emulator at $IVR_CI_API_BASE (work dir $work)"

step "lint the IVR menus" "${IVR[@]}" lint-menu
step "validate structure, references and substitutions for dev" "${IVR[@]}" validate-flow --env dev
step "caller-path tests with coverage" "${IVR[@]}" test --coverage --min-coverage 100
step "where does a caller pressing 2 then 1 end up?" \
  "${IVR[@]}" simulate flows/main-ivr.yaml --env dev --keys 2,1 --open "Business Hours=open"

step "plan the release to dev (read-only)" "${IVR[@]}" promote --env dev --plan --json-file plan.json
hash="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["planHash"])' plan.json)"
step "apply exactly the reviewed plan" "${IVR[@]}" promote --env dev --apply --plan-hash "$hash"
step "re-plan: nothing left to do" "${IVR[@]}" promote --env dev --plan

# 2. Someone edits and publishes the main IVR in the Architect UI, outside the pipeline.
"$PY" - "$IVR_CI_API_BASE" <<'PY'
import json, sys, urllib.request
body = json.dumps({"org": "Example Dev", "flow": "DEV Main IVR", "user": "Dana Designer",
                   "description": "quick fix made in the Architect UI"}).encode()
req = urllib.request.Request(sys.argv[1] + "/__admin/ui-edit", data=body, method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
print("\nDana Designer edited and published 'DEV Main IVR' in the Architect UI")
PY

step "audit report: pipeline vs out-of-band changes, drift against the repo" \
  "${IVR[@]}" audit-report --env dev --since 1d --format md --out audit-report.md
sed -n '1,40p' audit-report.md
echo
echo "Done. The pipeline deployed 2 flows to dev, the re-plan was a no-op, and the audit report"
echo "names the out-of-band edit."
