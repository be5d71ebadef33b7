"""``sim report DIR``: one self-contained HTML file for a run folder.

Figures are embedded as base64 PNG and the page has no script, stylesheet or font from elsewhere,
so it opens in any browser with no server and no network and can be sent as one file. It holds
the outcome and path tables, the figures, the narrated path of a typical replication
(:mod:`sim.explain`), and the scenario with the cited facts it used. Nothing here runs the model.
"""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim import plots, style
from sim.analysis import Run, load_run, path_frequencies
from sim.explain import explain_run
from sim.facts import load_facts

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1180px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
.meta { color: #555; } table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; overflow-x: auto; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; box-sizing: border-box; }
figure.wide img { max-width: none; } /* long paths: scroll sideways rather than shrink the text */
figcaption { color: #555; font-size: 0.9em; }
.row { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; } .row > figure { flex: 1 1 560px; min-width: 0; margin-top: 0.8em; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""

CAPTIONS = {
    "outcome_shares": "Share of replications in each outcome class; whiskers are 95% Wilson intervals.",
    "timeline": "One replication that followed the most frequent path: measures in force as bars, other moves as markers.",
    "path_tree": "The most frequent escalation paths as a tree of shared prefixes.",
    "resolution_days": "When each outcome was reached.",
    "who_loses_more": "Losses by country and by firm across replications.",
    "gdp_loss": "Cumulative GDP-loss proxy by country across replications.",
    "output": "Firms' output across replications, by outcome class.",
}


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure_html(stem: str, fig: Figure) -> str:
    caption = CAPTIONS.get(stem) or fig.get_suptitle() or stem
    wide = " class='wide'" if fig.get_figwidth() > 1.3 * plots.WIDTH else ""
    return (f"<figure id='fig-{stem}'{wide}><img alt='{html.escape(stem)}' src='data:image/png;base64,{_png(fig)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(frame: pd.DataFrame, classes: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cells.append(f"<td class='num'>{html.escape(str(value))}</td>" if numeric else f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='{classes}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _outcomes(run: Run) -> str:
    table = plots.outcome_table(run)
    frame = pd.DataFrame({
        "outcome": [style.outcome_name(c) for c in table["outcome"]],
        "runs": table["count"].astype(int),
        "share": [f"{100 * s:.0f}%" for s in table["share"]],
        "95% interval": [f"{100 * lo:.0f}-{100 * hi:.0f}%" for lo, hi in zip(table["low"], table["high"])],
    })
    return _table(frame, "outcomes")


def _paths(run: Run, top: int = 8) -> str:
    table = path_frequencies(run.outcomes, top=top).reset_index()
    distinct = run.outcomes["path"].nunique()
    frame = pd.DataFrame({
        "runs": table["count"].astype(int),
        "share": [f"{100 * s:.0f}%" for s in table["share"]],
        "path": [" → ".join(style.path_step(s) for s in p.split(" > ")) if p else "(no moves)" for p in table["path"]],
        "outcome": [", ".join(style.outcome_name(o.strip()) for o in str(x).split(",")) for x in table["outcome"]],
        "median resolution day": ["unresolved" if pd.isna(d) else f"{d:.0f}" for d in table["median_resolution_day"]],
    })
    note = f"<p>{distinct} distinct paths; the {len(frame)} most frequent:</p>" if distinct > len(frame) else ""
    return note + _table(frame, "paths")


def _description(run: Run) -> str:
    text = plots.resolved_scenario(run).get("description", "")
    return f"<p>{html.escape(' '.join(str(text).split()))}</p>" if text else ""


def _scenario(run: Run) -> str:
    scenario = plots.resolved_scenario(run)
    m = run.manifest
    rows = [
        ("scenario", scenario.get("name") or m.get("scenario", "")),
        ("file", m.get("scenario_file", "")),
        ("description", " ".join(str(scenario.get("description", "")).split())),
        ("horizon", f"{scenario.get('horizon_days', '?')} days"),
        ("replications", str(len(run.outcomes))),
        ("run seed", str(m.get("seed", ""))),
        ("overrides", ", ".join(m.get("overrides") or []) or "none"),
        ("scenario SHA-256", str(m.get("scenario_sha256", ""))),
        ("governments and rules", "; ".join(
            f"{style.country_name(c)}: {', '.join(r.get('rule', '?') for r in g.get('rules', []))}"
            for c, g in (scenario.get("governments") or {}).items())),
    ]
    frame = pd.DataFrame(rows, columns=["", "value"])
    return _table(frame, "scenario")


def _facts(run: Run) -> str:
    used = run.manifest.get("facts_used") or []
    if not used:
        return "<p>The scenario uses no cited facts.</p>"
    facts = load_facts()
    rows = []
    for name in used:
        fact = facts.get(name)
        if fact is None:
            rows.append((name, "?", "", "not in seeds/facts.toml", ""))
        else:
            rows.append((name, f"{fact.value:g}", fact.unit, fact.citation, fact.note))
    return _table(pd.DataFrame(rows, columns=["fact", "value", "unit", "source", "note"]), "facts")


def build_report(path: str | Path) -> str:
    """The HTML text of the report of a run folder."""
    run = load_run(path)
    figs = plots.run_figures(run)
    typical = plots.typical_replication(run)
    narration = explain_run(run.path, typical, max_alternatives=3)
    title = f"{run.manifest.get('scenario') or run.path.name}: {len(run.outcomes)} replications"
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>", _description(run),
        f"<p class='meta'>Run folder <code>{html.escape(str(run.path))}</code>, created {html.escape(str(run.manifest.get('created_utc', '')))} "
        f"by coercion-sim {html.escape(str((run.manifest.get('packages') or {}).get('coercion-sim', '')))}.</p>",
        "<h2>How it ended</h2>", "<div class='row'>", _outcomes(run), _figure_html("outcome_shares", figs.pop("outcome_shares")), "</div>",
        "<h2>Escalation paths</h2>", _figure_html("path_tree", figs.pop("path_tree")), _paths(run),
        "<h2>Figures</h2>",
    ]
    parts += [_figure_html(stem, fig) for stem, fig in figs.items()]
    parts += [
        f"<h2>A typical replication, narrated (replication {typical})</h2>",
        "<p>The lowest-numbered replication that followed the most frequent path; every decision with its rule, "
        "the values it compared and the best alternatives it was chosen from.</p>",
        f"<pre class='narration'>{html.escape(narration)}</pre>",
        "<h2>Scenario</h2>", _scenario(run),
        "<h2>Cited facts used by the scenario</h2>", _facts(run),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the report (default ``DIR/report.html``) under a temporary name, then rename it."""
    path = Path(path)
    target = Path(out) if out is not None else path / "report.html"
    if not target.parent.is_dir():  # say so before the figures are drawn, not after
        raise OSError(2, "no such folder", str(target.parent))
    text = build_report(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
