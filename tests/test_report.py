"""`sim plot`, `sim run --plot` and `sim report`: files land where promised, bad folders get one
clear message, and the report renders in a real browser (headless Chromium) with every figure
and table visible and nothing fetched from elsewhere."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import invoke

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "experiments" / "tiny" / "rare_earth_curb.toml"



@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "curb"
    result = invoke("run", TINY, "--out", out, "-q", "--plot")
    assert result.exit_code == 0, result.output
    assert "figures: " in result.output
    return out


@pytest.fixture(scope="module")
def report(run_dir: Path) -> Path:
    result = invoke("report", run_dir)
    assert result.exit_code == 0, result.output
    return run_dir / "report.html"


def test_run_plot_writes_figures(run_dir: Path) -> None:
    pngs = sorted(p.name for p in (run_dir / "figures").glob("*.png"))
    assert {"outcome_shares.png", "timeline.png", "path_tree.png", "gdp_loss.png"} <= set(pngs)
    assert not list((run_dir / "figures").glob(".*"))  # no temporary files left


def test_plot_bad_folders(tmp_path: Path) -> None:
    # (SVG output is checked in test_plots.py: writing every figure again here costs seconds.)
    result = invoke("plot", tmp_path)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'manifest.json'}: file not found; {tmp_path} is not a readable run folder"
    result = invoke("report", tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    # A sweep folder goes to the sweep figures; without a sweep reader that is one clear message.
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep", "design": "grid"}))
    from sim import analysis

    if not hasattr(analysis, "load_sweep"):
        result = invoke("plot", tmp_path)
        assert result.exit_code == 2 and "sweep folder" in result.output and result.output.count("\n") == 1


def test_report_is_self_contained(report: Path, run_dir: Path) -> None:
    text = report.read_text()
    figures = len(list((run_dir / "figures").glob("*.png")))
    assert text.count("<img ") == figures
    assert text.count("src='data:image/png;base64,") == figures
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", text), "the report must not fetch anything"
    assert "<script" not in text
    for needle in ("How it ended", "Escalation paths", "narration", "Cited facts", "gdp_cn_2024"):
        assert needle in text
    assert not list(report.parent.glob(".report.html.*"))


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHECK = """<script>
window.addEventListener('load', () => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const imgs = [...document.images].map(i => ({w: i.naturalWidth, shown: visible(i)}));
  const tables = [...document.querySelectorAll('table')].map(t => ({rows: t.rows.length, shown: visible(t)}));
  const out = document.createElement('pre'); out.id = 'check';
  out.textContent = JSON.stringify({imgs, tables}); document.body.appendChild(out);
});
</script>"""


@pytest.mark.skipif(chromium() is None, reason="no Chromium binary (Debian: apt-get install chromium); the report's browser test needs one")
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text().replace("</body>", CHECK + "</body>"))
    common = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=10000"]
    dom = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r"<pre id=\"check\">(.*?)</pre>", dom, re.S)
    assert found, dom[-500:]
    check = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(check["imgs"]) >= 8 and all(i["w"] > 0 and i["shown"] for i in check["imgs"]), check["imgs"]
    assert len(check["tables"]) == 4 and all(t["rows"] > 1 and t["shown"] for t in check["tables"]), check["tables"]
    shot = tmp_path / "shot.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 20_000  # not a blank page


def test_report_to_a_missing_folder_is_one_message(run_dir: Path, tmp_path: Path) -> None:
    result = invoke("report", run_dir, "--out", tmp_path / "nope" / "r.html")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: cannot write {tmp_path / 'nope' / 'r.html'}: no such folder"
