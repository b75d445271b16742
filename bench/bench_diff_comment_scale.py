"""Benchmark: `ivr-ci diff-comment` on PRs that change 300 and 3,000 menus (issue 15's sizes).

Run by hand:  python bench/bench_diff_comment_scale.py [--menus 300 3000] [--repeat 3]
Each menu of the generated flow gets a rerouted choice (behavioural) and a reworded prompt
(content). The command runs as a real process against the loopback fake GitHub, as in a job;
the bench prints the time per run, the comment's characters (limit 65,536), the job summary's
bytes (limit 1 MiB) and checks every behavioural change is listed or counted in both.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.conftest_github import write_pr_event  # noqa: E402
from tests.diff_helpers import many_menus_flow  # noqa: E402
from tests.fake_github import start_fake_github  # noqa: E402


def git(cwd: str, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com",
                            GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com"))


def listed_or_counted(text: str) -> int:
    listed = len(re.findall(r"^\| Big \| menu 'Menu \d+' › 2 'Two' \| now goes to", text, re.M))
    counted = sum(int(k.replace(",", "")) for k in re.findall(r"\*… ([\d,]+) behavioural changes not shown", text))
    return listed + counted


def run(n: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.makedirs(os.path.join(repo, "flows"))
        git(repo, "init", "-q", "-b", "main")
        with open(os.path.join(repo, "flows", "big.yaml"), "w") as fh:
            fh.write(many_menus_flow(n, ""))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        with open(os.path.join(repo, "flows", "big.yaml"), "w") as fh:
            fh.write(many_menus_flow(n, "New "))
        git(repo, "commit", "-q", "-am", "head")
        event = write_pr_event(__import__("pathlib").Path(tmp) / "event.json")
        best = float("inf")
        fake = start_fake_github()
        try:
            for _ in range(repeat):
                summary, out = os.path.join(tmp, "summary.md"), os.path.join(tmp, "out")
                open(summary, "w").close()
                env = dict(os.environ, GITHUB_ACTIONS="true", GITHUB_TOKEN="ghs_bench", GITHUB_API_URL=fake.base_url,
                           GITHUB_EVENT_PATH=str(event), GITHUB_STEP_SUMMARY=summary, GITHUB_OUTPUT=out,
                           GITHUB_REPOSITORY="acme/ivr", PYTHONPATH=REPO)
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "ivr_ci", "diff-comment", "--base", "HEAD~1",
                                "--json-output", os.path.join(tmp, "diff.json")], cwd=repo, env=env, check=True,
                               capture_output=True)
                best = min(best, time.perf_counter() - start)
            (comment,) = fake.comments(7)
            body = comment["body"]
        finally:
            fake.stop()
        with open(summary, encoding="utf-8") as fh:
            summary_text = fh.read()
        with open(os.path.join(tmp, "diff.json"), encoding="utf-8") as fh:
            behavioural = json.load(fh)["summary"]["behavioural"]
        return {"menus": n, "seconds": best, "comment_chars": len(body),
                "summary_bytes": len(summary_text.encode("utf-8")), "behavioural": behavioural,
                "in_comment": listed_or_counted(body), "in_summary": listed_or_counted(summary_text)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--menus", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ok = True
    print(f"{'menus':>6} {'time (s)':>9} {'comment chars':>14} {'summary bytes':>14} {'behavioural listed/counted':>28}")
    for n in args.menus:
        r = run(n, args.repeat)
        good = (r["comment_chars"] <= 65_536 and r["summary_bytes"] <= 1024 * 1024
                and r["in_comment"] == r["in_summary"] == r["behavioural"] == n)
        ok &= good
        print(f"{n:>6} {r['seconds']:>9.2f} {r['comment_chars']:>14,} {r['summary_bytes']:>14,} "
              f"{r['in_comment']:>13,} / {r['in_summary']:,} of {r['behavioural']:,}  {'ok' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
