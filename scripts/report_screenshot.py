"""Render a run folder's report in headless Chromium and save the top of the page as
docs/report_screenshot.png (the picture in the README).

    sim run experiments/rare_earth_curb.toml --out runs/curb
    python scripts/report_screenshot.py runs/curb
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.report import write_report  # noqa: E402

TARGET = ROOT / "docs" / "report_screenshot.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--height", type=int, default=1500, help="pixels of the page to capture")
    args = parser.parse_args()
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if browser is None:
        sys.exit("no Chromium found (Debian: apt-get install chromium)")
    report = write_report(args.run_dir)
    tmp = TARGET.with_name(".report_screenshot.tmp.png")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000",
                    f"--screenshot={tmp}", f"--window-size=1200,{args.height}", report.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    tmp.replace(TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)} from {report}")


if __name__ == "__main__":
    main()
