"""The weekly report's HTML opened in headless Chromium: every chart decodes as an image with a size.

Chromium comes from .ci/chromium (JOURNEY_CHROMIUM) or the PATH; without it the test skips locally and
fails under CI=true. A checking script is added to a copy of the page (the report carries no test hooks):
it waits for the load and writes what each <img> decoded to into the DOM that --dump-dom prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.report_inputs import sample_inputs

from journey_assets.reports.render import SECTION_TITLES, render_report

CHECK_SCRIPT = """
<script>
window.addEventListener("load", () => {
  const images = [...document.images].map(img => ({
    alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    datauri: img.src.startsWith("data:image/png;base64,")
  }));
  const out = document.createElement("pre");
  out.id = "render-check";
  out.textContent = JSON.stringify(images);
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str:
    found = os.environ.get("JOURNEY_CHROMIUM") or shutil.which("chromium") or shutil.which("google-chrome")
    if not found:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("headless Chromium is missing: CI must run .ci/chromium")
        pytest.skip("headless Chromium is not installed (run .ci/chromium)")
    return found


def rendered_images(browser: str, html: str, folder: Path) -> list[dict]:
    page = folder / "report.html"
    page.write_text(html.replace("</body>", CHECK_SCRIPT + "</body>"))
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # CI containers run as root
            "--disable-gpu",
            f"--user-data-dir={folder / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    match = re.search(r'<pre id="render-check">(.*?)</pre>', result.stdout, re.S)
    assert match, f"the page did not finish loading in Chromium: {result.stderr[-2000:]}"
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def report():
    return render_report(sample_inputs(), "group", "Sample Group")


def test_every_chart_of_the_report_renders_in_chromium(report, tmp_path):
    browser = chromium()
    images = rendered_images(browser, report.html, tmp_path)
    assert [i["alt"] for i in images] == list(SECTION_TITLES.values())
    for image in images:
        assert image["datauri"], image
        assert image["complete"] and image["width"] > 100 and image["height"] > 50, f"broken image: {image}"


def test_a_broken_chart_is_caught(report, tmp_path):
    """The check can fail: a corrupted image decodes to nothing."""
    browser = chromium()
    broken = report.html.replace("data:image/png;base64,iVBOR", "data:image/png;base64,AAAAA", 1)
    images = rendered_images(browser, broken, tmp_path)
    assert images[0]["width"] == 0
    assert all(i["width"] > 0 for i in images[1:])
