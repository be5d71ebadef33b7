"""The ``sim`` command: thin click wrappers over config, runner and analysis.

Heavy modules (mesa, pandas) are imported inside the commands that need them, so ``sim --help``
and ``sim validate`` stay fast. A bad scenario gives one line naming file, key path and what was
expected, and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C


def _fail(message: str, status: int = EXIT_BAD_INPUT) -> None:
    # One line whatever the input: control characters (from file names or values) are escaped.
    line = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
    click.echo(f"error: {line}", err=True)
    sys.exit(status)


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


def _is_sweep_file(path: str) -> bool:
    """A sweep file names a ``base`` scenario and ``parameters`` (a scenario has neither). Read
    through the scenario loader's checks; a file they refuse is left for the loader to name."""
    from sim.config import parse_toml, read_text_file
    from sim.errors import ScenarioError

    try:
        raw = parse_toml(read_text_file(Path(path)), path)
    except ScenarioError:
        return False
    return "base" in raw and "parameters" in raw


def _validate_sweep(path: str, overrides: tuple[str, ...]) -> None:
    from agents.base import rule_params
    from sim.designs import design_table
    from sim.errors import ScenarioError
    from sim.sweep_config import load_sweep_file

    try:
        loaded = load_sweep_file(path, list(overrides), rule_params=rule_params)
    except ScenarioError as exc:
        _fail(exc.message)
    sweep = loaded.sweep
    points = len(design_table(sweep))
    click.echo(
        f"{path}: valid sweep ({sweep.design}, {len(sweep.parameters)} parameters, {points} points x "
        f"{sweep.replications} replications = {points * sweep.replications} runs, base {loaded.base_file})"
    )


class _OneLineErrors(click.Group):
    """A bad option or argument (``-j 0``, ``--bogus``, a missing file name) gets the same answer as
    bad scenario contents: one line ``error: ...`` and exit status 2, not click's usage block."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:  # plain `sim`: the help
                click.echo(exc.ctx.get_help())
                sys.exit(0)
            where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
            click.echo(f"error: {where}{exc.format_message()} (see --help)", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coercion-sim")
def main() -> None:
    """Simulate economic coercion between states and their major firms."""


@main.command()
@click.argument("scenario_file", type=click.Path(path_type=str))
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario key (repeatable).")
def validate(scenario_file: str, overrides: tuple[str, ...]) -> None:
    """Check a scenario (or sweep) file; exit 0 if valid, 2 with one clear message if not."""
    if _is_sweep_file(scenario_file):
        _validate_sweep(scenario_file, overrides)
        return
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
    from sim.runner import STOP_REQUESTED, request_stop

    STOP_REQUESTED.clear()
    # Ctrl-C and SIGTERM both stop the run and clean up (and are not lost: sim.runner.STOP_REQUESTED).
    previous = signal.signal(signal.SIGTERM, request_stop)
    previous_int = signal.signal(signal.SIGINT, request_stop)
    try:
        # Progress comes in replication-days (lockstep batches advance together): shown as replications.
        days = scenario.horizon_days
        with tqdm(total=n * days, desc=scenario.name, unit="rep", unit_scale=1.0 / days, disable=quiet or n == 1,
                  file=sys.stderr, bar_format="{l_bar}{bar}| {n:.1f}/{total:.0f} [{elapsed}<{remaining}, {rate_fmt}]") as bar:
            result = run_replications(scenario, seed=seed, replications=n, workers=workers, progress=bar.update)
        folder = write_run(target, scenario, result, seed, n, scenario_file, list(overrides), force=force)
    except OutputError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; no output folder was written", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        STOP_REQUESTED.clear()
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
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--svg", is_flag=True, help="Also write SVG next to each PNG.")
def plot(folder: Path, svg: bool) -> None:
    """Write the figures of a run (or sweep) folder into DIR/figures/ (PNG)."""
    _plot(folder, svg)


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
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


# --------------------------------------------------------------------------- sweeps


@main.command()
@click.argument("sweep_file", type=click.Path(path_type=str))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default runs/sweeps/<name>/<timestamp>; required with --resume).")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes (Dask: workers of the local cluster).")
@click.option("--samples", type=click.IntRange(min=1), default=None, help="Sample count of a sampled design (lhs, sobol, saltelli, morris).")
@click.option("--replications", "-n", type=click.IntRange(min=1), default=None, help="Replications per point (default: the sweep file's).")
@click.option("--resume", is_flag=True, help="Finish an interrupted sweep in --out (runs already kept are not run again).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Local processes or a dask.distributed cluster.")
@click.option("--scheduler", default=None, metavar="ADDR", help="Dask scheduler address (default: a LocalCluster of --workers workers).")
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Fixed override of the base scenario (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@click.option("--plot", "plot_figures", is_flag=True, help="Also write the sweep's figures into <folder>/figures/ (as `sim plot`).")
def sweep(
    sweep_file: str,
    out: Path | None,
    workers: int,
    samples: int | None,
    replications: int | None,
    resume: bool,
    executor: str,
    scheduler: str | None,
    overrides: tuple[str, ...],
    quiet: bool,
    plot_figures: bool = False,
) -> None:
    """Run a sweep file: its design's points x replications, streamed to Parquet parts in one folder."""
    from agents.base import rule_params
    from sim.errors import ScenarioError
    from sim.sweep_config import load_sweep_file

    try:
        loaded = load_sweep_file(sweep_file, list(overrides), samples, replications, rule_params=rule_params)
    except ScenarioError as exc:
        _fail(exc.message)
    if resume and out is None:
        _fail("--resume needs --out (the folder of the sweep to finish)")
    if scheduler is not None and executor != "dask":
        _fail("--scheduler is for --executor dask")
    from tqdm import tqdm

    from sim.sweep import SweepFolderError, SweepInterrupted, default_sweep_dir, run_sweep
    from sim.sweep_analysis import summary_text

    target = out if out is not None else default_sweep_dir(loaded.sweep)
    bar = None

    def on_start(total: int, done: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, initial=done, desc=loaded.sweep.name, unit="run", disable=quiet, file=sys.stderr, smoothing=0.1)

    try:
        result = run_sweep(
            loaded, target, workers=workers, resume=resume, executor=executor, scheduler=scheduler,
            progress=lambda k: bar.update(k) if bar is not None else None, on_start=on_start,
        )
    except (SweepFolderError, ScenarioError) as exc:
        _fail(exc.message if isinstance(exc, ScenarioError) else str(exc))
    except SweepInterrupted as exc:
        if bar is not None:
            bar.close()
        click.echo(f"{exc}; finish with: sim sweep {sweep_file} --out {exc.out} --resume", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
    if not quiet:
        click.echo(summary_text(result.out))
        rate = result.ran / result.seconds if result.seconds > 0 else float("nan")
        click.echo(f"ran {result.ran} runs in {result.seconds:.1f} s ({rate:.1f} runs/s), {result.done_before} kept from before")
    click.echo(f"outputs: {result.out}")
    if plot_figures:
        _plot(Path(result.out), svg=False)


@main.command()
@click.argument("file_a", metavar="A.toml", type=click.Path(path_type=str))
@click.argument("file_b", metavar="B.toml", type=click.Path(path_type=str))
@click.option("--replications", "-n", type=click.IntRange(min=2), default=None, help="Replications of each (default: A's).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed of both (default: A's).")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Processes.")
@click.option("--all", "show_all", is_flag=True, help="Show every row, also those with no difference.")
def compare(file_a: str, file_b: str, replications: int | None, seed: int | None, workers: int, show_all: bool) -> None:
    """Run two scenario variants on the same seeds and print B - A, paired by replication:
    outcome shares and metrics with 95% confidence intervals."""
    a = _load(file_a, ())
    b = _load(file_b, ())
    from sim.runner import run_replications
    from sim.sweep_analysis import paired_differences

    n = replications or a.replications
    s = a.seed if seed is None else seed
    ra = run_replications(a, seed=s, replications=n, workers=workers, series=False)
    rb = run_replications(b, seed=s, replications=n, workers=workers, series=False)
    table = paired_differences(ra.outcomes, rb.outcomes)
    if not show_all:
        table = table[(table["a"] != 0) | (table["b"] != 0)]
        table = table[~((table["diff"] == 0) & (table["quantity"].str.startswith(("gdp", "peak", "profit"))))]
    click.echo(f"B - A, paired over {n} replications on the same seeds (seed {s}); 95% t intervals")
    click.echo(f"  A: {file_a}\n  B: {file_b}")
    click.echo(f"  {'quantity':<44} {'A':>9} {'B':>9} {'B - A':>9}  [95% CI]")
    for r in table.itertuples():
        click.echo(f"  {r.quantity:<44} {r.a:>9.3f} {r.b:>9.3f} {r.diff:>+9.3f}  [{r.low:+.3f}, {r.high:+.3f}]")


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
def summarize(folder: Path) -> None:
    """Print the headline tables of a run folder or a sweep folder."""
    from sim.sweep_analysis import is_sweep_folder, summary_text

    if is_sweep_folder(folder):
        click.echo(summary_text(folder))
        return
    if not (folder / "manifest.json").is_file():
        _fail(f"{folder}: not a run or sweep folder (no manifest.json or sweep.json)")
    from sim.analysis import load_run, outcome_shares
    from sim.runner import summary_table

    run = load_run(folder)
    click.echo(f"run {run.manifest.get('scenario')}: {folder}")
    click.echo(summary_table(run.outcomes))
    click.echo("outcome shares (95% Wilson intervals):")
    click.echo(outcome_shares(run.outcomes).to_string())


if __name__ == "__main__":
    main()
