"""The HTML report is self-contained and renders: opened in headless Chromium, screenshotted,
and the screenshot's pixels checked for the charts' colours.

Regenerate docs/audit-report-screenshot.png with
`IVR_CI_AUDIT_SCREENSHOT=docs/audit-report-screenshot.png python -m pytest tests/test_audit_html.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from ivr_ci.audit import chart
from ivr_ci.audit.run import ReportOptions, run_report
from tests.audit_helpers import build_history
from tests.promote_helpers import ENV_VARS

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG: enough to look at pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [r if bpp == 3 else b"".join(r[i:i + 3] for i in range(0, len(r), 4)) for r in rows]


def _count(rows: list[bytes], hex_colour: str) -> int:
    rgb = bytes.fromhex(hex_colour.lstrip("#"))
    return sum(sum(1 for i in range(0, len(r), 3) if r[i:i + 3] == rgb) for r in rows)


@pytest.mark.slow
def test_html_report_renders_in_headless_chromium(tmp_path, emulator_factory, monkeypatch):
    if CHROMIUM is None:
        pytest.skip("no chromium binary found (apt-get install -y chromium)")
    target = os.environ.get("IVR_CI_AUDIT_SCREENSHOT")
    target = os.path.abspath(target) if target else None  # before the test changes directory
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)
    history = build_history(tmp_path, emulator_factory)
    monkeypatch.chdir(tmp_path)
    html_path = tmp_path / "audit report.html"
    run_report(ReportOptions(env="dev", since="1d", config=str(history.project / ".ivr-ci.yaml"), fmt="html",
                             out=str(html_path), progress=False, now=history.end))
    html = html_path.read_text()
    assert "<script" not in html and not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert html.count("<svg") >= 3  # daily activity + one before/after chart per release

    png = tmp_path / "shot.png"
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={profile}", "--window-size=1280,2200", f"--screenshot={png}", html_path.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert png.is_file() and png.stat().st_size > 30_000, proc.stderr[-2000:]
    width, height, rows = read_png(png)
    assert (width, height) == (1280, 2200)
    assert _count(rows, chart.PIPELINE_COLOUR) > 200  # pipeline bars of the daily chart
    assert _count(rows, chart.BEFORE_COLOUR) > 200  # release "before" bars
    assert _count(rows, chart.AFTER_COLOUR) + _count(rows, chart.WORSE_COLOUR) > 200
    if target:
        shutil.copyfile(png, target)
