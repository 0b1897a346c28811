"""Measure a deliverable in a real headless Chromium at the printable A4 width (210 mm less 2 x 12 mm margins)."""

import re
import subprocess
import urllib.parse
from pathlib import Path

A4_PRINTABLE_PX = 703  # 186 mm at 96 px per inch

_PROBE = """<script>addEventListener('load', () => {
  const bad = [];
  for (const e of document.querySelectorAll('table, img, .esn-kpis, pre, h1, h2, h3, p, li')) {
    const r = e.getBoundingClientRect();
    if (r.right > %d + 1) bad.push(Math.round(r.right) + 'px: ' + e.innerText.slice(0, 50));
  }
  document.body.setAttribute('data-overflow', encodeURIComponent(bad.join(' | ')));
});</script>"""


def overflowing(html: Path, chromium: str, width: int = A4_PRINTABLE_PX) -> list[str]:
    """The elements of ``html`` whose right edge passes ``width``, each with the start of its text."""
    probe = html.with_name(f"probe-{html.name}")
    probe.write_text(html.read_text(encoding="utf-8").replace("</body>", _PROBE % width + "</body>"), encoding="utf-8")
    try:
        out = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--window-size={width},1100",
                "--virtual-time-budget=5000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.unlink()
    found = re.search(r'data-overflow="([^"]*)"', out.stdout)
    assert found, f"Chromium did not run the probe: {out.stderr[-300:]}"
    text = urllib.parse.unquote(found.group(1))
    return [t for t in text.split(" | ") if t]
