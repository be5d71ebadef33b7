"""The ``sim`` command: thin click wrappers over config, runner and analysis.

Heavy modules (mesa, pandas) are imported inside the commands that need them, so ``sim --help``
and ``sim validate`` stay fast. A bad scenario gives one line naming file, key path and what was
expected, and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C


def _fail(message: str, status: int = EXIT_BAD_INPUT) -> None:
    # One line whatever the input: control characters (from file names or values) are escaped.
    line = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
    click.echo(f"error: {line}", err=True)
    sys.exit(status)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _load(path: str, overrides: tuple[str, ...]):
    from agents.base import rule_params
    from sim.config import load_scenario
    from sim.errors import ScenarioError
    from sim.world import build_world

    try:
        scenario = load_scenario(path, list(overrides), rule_params=rule_params)
        build_world(scenario, path)
    except ScenarioError as exc:
        _fail(exc.message)
    return scenario


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coercion-sim")
def main() -> None:
    """Simulate economic coercion between states and their major firms."""


@main.command()
@click.argument("scenario_file", type=click.Path(path_type=str))
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario key (repeatable).")
def validate(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Check a scenario file; exit 0 if valid, 2 with one clear message if not."""
    scenario = _load(scenario_file, overrides)
    click.echo(
        f"{scenario_file}: valid ({len(scenario.countries)} countries, {len(scenario.products)} products, "
        f"{len(scenario.firms)} firms, {len(scenario.schedule)} scheduled measures, "
        f"{scenario.horizon_days} days x {scenario.replications} replications)"
    )


@main.command()
@click.argument("scenario_file", type=click.Path(path_type=str))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder (default runs/<scenario>/<timestamp>-<random>).")
@click.option("--seed", type=int, default=None, help="Run seed (default: the scenario's).")
@click.option("--replications", "-n", type=click.IntRange(min=1), default=None, help="Number of replications (default: the scenario's).")
@click.option("--workers", "-j", type=click.IntRange(min=1, max=256), default=1, show_default=True, help="Processes to run replications on.")
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario key (repeatable).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@click.option("--plot", "plot_figures", is_flag=True, help="Also write the figures into <folder>/figures/ (as `sim plot`).")
def run(
    scenario_file: str,
    out: Path | None,
    seed: int | None,
    replications: int | None,
    workers: int,
    overrides: tuple[str, ...],
    force: bool,
    quiet: bool,
    plot_figures: bool = False,
) -> None:
    """Run a scenario and write timeseries, events, outcomes and a manifest to one folder."""
    scenario = _load(scenario_file, overrides)
    from sim.config import MAX_SEED

    if seed is not None and not 0 <= seed <= MAX_SEED:
        _fail(f"--seed: expected an integer from 0 to {MAX_SEED}")
    import signal

    from tqdm import tqdm

    from sim.runner import (
        OutputError,
        RunTooLargeError,
        check_out_dir,
        check_run_size,
        default_out_dir,
        run_replications,
        summary_table,
        write_run,
    )

    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    # Everything that can be refused is refused before any work: the output folder, then the size.
    try:
        target = out if out is not None else default_out_dir(scenario)
        check_out_dir(target, force)
        check_run_size(scenario, n)
    except (OutputError, RunTooLargeError) as exc:
        _fail(str(exc))
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # SIGTERM cleans up like Ctrl-C
    try:
        with tqdm(total=n, desc=scenario.name, unit="rep", disable=quiet or n == 1, file=sys.stderr) as bar:
            result = run_replications(scenario, seed=seed, replications=n, workers=workers, progress=bar.update)
        folder = write_run(target, scenario, result, seed, n, scenario_file, list(overrides), force=force)
    except OutputError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no output folder was written", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not quiet:
        click.echo(summary_table(result.outcomes))
    click.echo(f"outputs: {folder}")
    if plot_figures:
        _plot(Path(folder), svg=False)


@main.command()
@click.argument("run_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--replication", "-r", type=int, default=0, show_default=True, help="Which replication to narrate.")
@click.option("--max-alternatives", type=int, default=5, show_default=True, help="Alternatives shown per decision (0: none).")
def explain(run_dir: Path, replication: int, max_alternatives: int) -> None:
    """Narrate one replication of a run folder day by day: who did what, why, what else was considered."""
    from sim.explain import ExplainError, explain_run

    if max_alternatives < 0:
        _fail("--max-alternatives: expected a non-negative integer")
    try:
        text = explain_run(run_dir, replication, max_alternatives)
    except ExplainError as exc:
        _fail(str(exc))
    click.echo(text)


def _plot(folder: Path, svg: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import RunFolderError
    from sim.plots import PlotError, write_figures

    try:
        written = write_figures(folder, svg=svg)
    except (FileNotFoundError, PlotError, RunFolderError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write figures into {folder / 'figures'}: {exc.strerror or exc}")
    click.echo(f"figures: {len(written)} files in {folder / 'figures'}")


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--svg", is_flag=True, help="Also write SVG next to each PNG.")
def plot(folder: Path, svg: bool) -> None:
    """Write the figures of a run (or sweep) folder into DIR/figures/ (PNG)."""
    _plot(folder, svg)


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Report file (default DIR/report.html).")
def report(folder: Path, out: Path | None) -> None:
    """Write one self-contained HTML report of a run folder (figures embedded; no network needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis import RunFolderError
    from sim.explain import ExplainError
    from sim.plots import PlotError
    from sim.report import write_report

    try:
        target = write_report(folder, out)
    except (PlotError, ExplainError, RunFolderError) as exc:
        _fail(str(exc))
    except FileNotFoundError as exc:
        _fail(str(exc) if exc.strerror is None else f"cannot write {out or folder / 'report.html'}: {exc.strerror}")
    except OSError as exc:  # includes a missing folder for --out
        _fail(f"cannot write {out or folder / 'report.html'}: {exc.strerror or exc}")
    click.echo(f"report: {target}")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to a file instead of stdout.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    from sim.config import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out is None:
        click.echo(text)
        return
    from sim.files import FileProblem, write_text_atomic

    try:
        write_text_atomic(out, text)
    except FileProblem as exc:
        _fail(f"--out {exc.path}: {exc.reason}")
    click.echo(f"schema: {out}")


if __name__ == "__main__":
    main()
