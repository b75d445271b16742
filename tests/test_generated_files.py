"""Generated files (rule docs, hook manifest, hooks README) match the catalogue."""

from ivr_ci.generate import stale_files


def test_generated_files_are_current():
    assert stale_files() == [], "run `python -m ivr_ci.generate` and commit the result"
