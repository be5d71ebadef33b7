"""Sensitivity of the headline numbers to the price cap and to the economy's behavioural parameters.

    python scripts/economy_sensitivity.py              # full size, writes docs/economy_sensitivity.md
    python scripts/economy_sensitivity.py --check      # re-runs with the doc's settings, exit 1 if it differs
    python scripts/economy_sensitivity.py --tiny -n 2 --out /tmp/s.md   # the small run the tests use

Headlines: the outcome shares of ``rare_earth_curb`` over ``-n`` replications, and for
``rare_earth_ban_scripted`` (one replication, it is scripted) Japan's and China's GDP-loss proxy
and the peak heavy and light rare-earth prices in Japan. Each row changes one thing: the price cap
(10x / 30x / 100x; the shipped value is a guard rail that no shipped scenario reaches) or one
behavioural parameter by -50% / +50% of the value the scenario uses. A row whose modal curb
outcome differs from the shipped one is marked "flips".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.config import Scenario, load_scenario  # noqa: E402
from sim.model import CoercionModel  # noqa: E402
from sim.runner import replication_seeds, run_replications  # noqa: E402

DOC = ROOT / "docs" / "economy_sensitivity.md"
CAPS = (10.0, 30.0, 100.0)
RARE_EARTHS = ("rare_earths", "heavy_rare_earths")
# Economy-wide parameters (economy.<name>), new ones first, then the existing ones that matter.
ECONOMY_PARAMS = (
    "thrift_days", "backstop_steepness", "leakage_days", "leakage_premium",
    "price_adjustment", "switching_days", "replenish_days", "supply_elasticity",
)
# Product parameters, changed together on both rare-earth products (products.<p>.<name>), and on
# NdFeB magnets too for the substitute's lead time (the redesign replaces the magnet).
PRODUCT_PARAMS = (
    "thrift_days", "long_run_elasticity", "max_thrift", "backstop_price_multiple", "leakage_share", "substitution_days",
)
# The magnet's redesign goes with the oxides': their substitute's lead time and their thrifting pace.
WITH_MAGNETS = ("thrift_days", "substitution_days")
MAGNETS = "ndfeb_magnets"
PHOTORESIST = ("photoresist", "backstop_price_multiple")
HEADER = "| change | curb: outcome shares | curb: modal | scripted: JP GDP loss | CN GDP loss | peak heavy REE in JP | peak light REE in JP |"


def _paths(tiny: bool) -> tuple[Path, Path]:
    folder = ROOT / "experiments" / ("tiny" if tiny else "")
    return folder / "rare_earth_curb.toml", folder / "rare_earth_ban_scripted.toml"


def variants(scripted: Scenario) -> list[tuple[str, list[str]]]:
    """(label, --set overrides) for every row; the ±50% values are relative to the scenario's own."""
    rows: list[tuple[str, list[str]]] = [("shipped", [])]
    rows += [(f"cap {cap:g}x", [f"economy.max_price_multiple={cap}"]) for cap in CAPS]
    for name in ECONOMY_PARAMS:
        value = float(getattr(scripted.economy, name))
        rows += [(f"economy.{name} {value * k:g} ({sign})", [f"economy.{name}={value * k!r}"]) for k, sign in _SCALES]
    for name in PRODUCT_PARAMS:
        value = getattr(scripted.products["heavy_rare_earths"], name)
        if value is None or (name in WITH_MAGNETS and not value):
            continue
        products = RARE_EARTHS + ((MAGNETS,) if name in WITH_MAGNETS and MAGNETS in scripted.products else ())
        label = "rare earths and magnets" if len(products) > len(RARE_EARTHS) else "rare earths"
        for k, sign in _SCALES:
            new = _bounded(name, float(value) * k)
            rows.append((f"{label} {name} {new:g} ({sign})", [f"products.{p}.{name}={new!r}" for p in products]))
    product, name = PHOTORESIST
    value = getattr(scripted.products[product], name) if product in scripted.products else None
    if value is not None:
        for k, sign in _SCALES:
            new = _bounded(name, float(value) * k)
            rows.append((f"{product} {name} {new:g} ({sign})", [f"products.{product}.{name}={new!r}"]))
    return rows


_SCALES = ((0.5, "-50%"), (1.5, "+50%"))


def _bounded(name: str, value: float) -> float:
    """Keep a scaled value inside its allowed range (shares at most 1, multiples at least 1)."""
    if name in ("max_thrift", "leakage_share"):
        return min(value, 1.0)
    if name == "backstop_price_multiple":
        return max(value, 1.0)
    return value


def curb_shares(path: Path, overrides: list[str], replications: int) -> dict[str, float]:
    scenario = load_scenario(path, overrides=overrides)
    outcomes = run_replications(scenario, replications=replications, series=False).outcomes
    return outcomes["outcome"].value_counts(normalize=True).sort_index().to_dict()


def scripted_numbers(path: Path, overrides: list[str]) -> dict[str, float]:
    scenario = load_scenario(path, overrides=overrides)
    model = CoercionModel(scenario, replication_seeds(scenario.seed, 1)[0])
    model.run()
    w = model.world
    japan, china = w.countries.index("JP"), w.countries.index("CN")
    annual = w.gdp_daily * 365.0
    peak = {p: float((model.rec.price[:, japan, w.products.index(p)] / w.base_price[w.products.index(p)]).max()) for p in RARE_EARTHS}
    return {
        "jp_loss": float(100 * model.rec.gdp_loss[:, japan].sum() / annual[japan]),
        "cn_loss": float(100 * model.rec.gdp_loss[:, china].sum() / annual[china]),
        "peak_heavy": peak["heavy_rare_earths"],
        "peak_light": peak["rare_earths"],
    }


def table(tiny: bool, replications: int, rows_wanted: int = 0, progress: Callable[[str], None] | None = None) -> str:
    """The table's Markdown; ``rows_wanted`` > 0 keeps only the first rows (a quick test)."""
    curb, scripted = _paths(tiny)
    rows = []
    flipped: list[str] = []
    shipped_modal = None
    wanted = variants(load_scenario(scripted))
    for label, overrides in wanted[:rows_wanted] if rows_wanted > 0 else wanted:
        if progress:
            progress(label)
        shares = curb_shares(curb, overrides, replications)
        modal = max(shares, key=lambda k: (shares[k], k))
        if shipped_modal is None:
            shipped_modal = modal
        flips = "" if modal == shipped_modal else " (flips)"
        if flips:
            flipped.append(label)
        s = scripted_numbers(scripted, overrides)
        text = ", ".join(f"{k.replace('_', ' ')} {100 * v:.0f}%" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]))
        rows.append(
            f"| {label} | {text} | {modal.replace('_', ' ')}{flips} | {s['jp_loss']:.2f}% | {s['cn_loss']:.2f}% | "
            f"{s['peak_heavy']:.1f}x | {s['peak_light']:.1f}x |"
        )
    return "\n".join([HEADER, "|---|---|---|---|---|---|---|", *rows, "", findings(flipped)])


def findings(flipped: list[str]) -> str:
    """What the table says about the cap and the parameters, worked out from its rows."""
    on_cap = [label for label in flipped if label.startswith("cap ")]
    on_params = [label for label in flipped if not label.startswith("cap ")]
    cap = (
        "No cap row changes the curb's modal outcome: no headline hinges on the guard rail."
        if not on_cap
        else f"The curb's modal outcome changes under {', '.join(on_cap)}: a headline hinges on the guard rail."
    )
    params = (
        "No -50%/+50% change of a parameter changes it either."
        if not on_params
        else "It does change under " + "; ".join(f"`{label}`" for label in on_params) + ": they set how fast "
        "the shortage builds and eases (prices, restocking, thrifting, switching), which the governments' "
        "expected costs weigh, so the curb's outcome split is uncertain to that degree; each is cited or "
        "marked as an assumption in seeds/facts.toml."
    )
    return f"**Findings.** {cap} {params}"


def render(tiny: bool, replications: int, rows: int, body: str) -> str:
    command = "python scripts/economy_sensitivity.py" + (" --tiny" if tiny else "") + f" -n {replications}"
    command += f" --rows {rows}" if rows else ""
    return (
        "# Economy sensitivity: the price cap and the behavioural parameters\n\n"
        f"Produced by `{command}` (`--check` re-runs it and compares). Scenarios: "
        f"`experiments/{'tiny/' if tiny else ''}rare_earth_curb.toml` ({replications} replications; outcome shares) and "
        f"`experiments/{'tiny/' if tiny else ''}rare_earth_ban_scripted.toml` (one replication; GDP-loss proxy over the "
        "horizon as % of a year's GDP, peak prices as multiples of baseline, in Japan).\n\n"
        "Each row changes one thing from the shipped scenario: the price cap `economy.max_price_multiple` (shipped: a "
        "guard rail no shipped scenario reaches, tests/test_price_cap.py), or one parameter by -50% / +50% of the "
        "value the scenario uses (rare-earth product parameters on both rare-earth products together). Values "
        "are cited in seeds/facts.toml or marked there as assumptions. \"flips\" marks a modal curb outcome that "
        "differs from the shipped one.\n\n"
        f"<!-- settings: tiny={int(tiny)} replications={replications} rows={rows} -->\n\n"
        f"{body}\n"
    )


def settings_of(doc: str) -> tuple[bool, int, int]:
    line = next(x for x in doc.splitlines() if x.startswith("<!-- settings:"))
    fields = dict(part.split("=") for part in line.removeprefix("<!-- settings:").removesuffix("-->").split())
    return fields["tiny"] == "1", int(fields["replications"]), int(fields["rows"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=20, help="curb replications per row (default 20)")
    parser.add_argument("--tiny", action="store_true", help="use experiments/tiny/ (a quick check of the script)")
    parser.add_argument("--rows", type=int, default=0, help="only the first ROWS rows (0: all; for a quick test)")
    parser.add_argument("--out", type=Path, default=DOC, help="the Markdown file to write or check")
    parser.add_argument("--check", action="store_true", help="re-run with the file's settings; exit 1 if it differs")
    args = parser.parse_args(argv)
    if args.check:
        doc = args.out.read_text()
        tiny, replications, rows = settings_of(doc)
        fresh = render(tiny, replications, rows, table(tiny, replications, rows))
        if fresh != doc:
            print(f"{args.out} is not what the script produces; re-run it without --check", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    body = table(args.tiny, args.replications, args.rows, lambda s: print(s, file=sys.stderr))
    text = render(args.tiny, args.replications, args.rows, body)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
