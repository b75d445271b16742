"""audit-report, drift detection and export: close the loop between Git and the org.

* `run` — `ivr-ci audit-report` end to end (`ReportOptions`, `run_report`, `build_report`)
* `timerange` — `--since`/`--from`/`--to` and the realtime/async query windows
* `source` — streamed audit records with progress; `events` — one record, normalised
* `deployments` — the ledger and the pipeline / out-of-band rule; `aggregate` — bounded state
* `drift` — published configuration vs the repository; `metrics` — release outcomes
* `report`, `render_md`, `render_html` (+ `chart`), `render_csv` — the report and its forms
* `export`, `params`, `naming` — `ivr-ci export` (reverse substitution, file naming)

See docs/audit-report.md. Nothing here imports `requests` until a client is made.
"""
