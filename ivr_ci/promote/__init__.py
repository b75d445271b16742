"""Promote a release of flows to an environment: plan (read-only) and apply (all-or-nothing).

See docs/promote.md and docs/ledger.md. Modules, in the order a run uses them:

* offline: `settings` (environments, windows, `promotion:`), `overlay` (menu overlays),
  `render` ({{key}} substitution), `release` (file selection, rendering, validate-flow checks),
  `ordering` (callee-first order, cycles, groups), `window` (maintenance windows),
  `plan` (the plan model and its hash), `ledger` (JSON Lines ledger), `lock` (deploy lock);
* online: `session` (client per environment, `online_preflight` for validate-flow --online),
  `target` (org flows, locks, batched exports), `preflight` (org objects, permissions),
  `planner` (`compute_plan`), `ratewindow` + `poller` + `scheduler` (pacing), `deploy`
  (one import job), `apply` (`apply_release`), `rollback`, `notify`;
* output: `report` (text/JSON/Markdown), `action_stage` (the composite action).

Public entry points: `session.prepare`, `session.make_client`, `planner.compute_plan`,
`apply.apply_release`, `ledger.read_ledger`, `session.online_preflight`. Nothing here imports
`requests` at import time; the Genesys client is created only by `session.make_client`.
"""
