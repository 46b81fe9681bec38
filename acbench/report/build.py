"""``build_report``: one folder of runs in, ``report.md`` + ``report.html`` + PNGs out.

The steps: collect the runs (:mod:`.runs`), compute their numbers (:mod:`.scores`, with the
per-task drops and bootstrap CIs of :func:`acbench_core.comparison.compare_runs`), draw the plots
(:mod:`.plots`, NIAH heatmaps by :mod:`acbench_tasks.niah.heatmap`), render (:mod:`.render`).
A plot whose data is missing is replaced by a one-line note, never an error.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from acbench.compare.formats import published_cells, published_note
from acbench.report import plots
from acbench.report.render import (
    Block,
    Figure,
    ReportContent,
    Table,
    render_html,
    render_markdown,
)
from acbench.report.runs import ReportError, RunEntry, RunSet, collect_runs
from acbench.report.scores import (
    capability_scores,
    energy_totals,
    order_capabilities,
    overall_recovery,
    overall_score,
    pareto_front,
)
from acbench_core.catalog import benchmark
from acbench_core.comparison import Row, compare_runs
from acbench_core.reference import beside_runs, comparable_with_paper, published_model

logger = logging.getLogger(__name__)

#: The task whose per-sample log draws the Needle-in-a-Haystack heatmap.
NIAH_TASK = benchmark("niah").lm_eval_name


@dataclass
class ReportFiles:
    """What :func:`build_report` wrote."""

    html: Path
    markdown: Path
    plots: list[Path]


@dataclass
class _Numbers:
    """Per evaluated run: capability scores, overall score, size (MB), kWh and J/sample."""

    scores: dict[str, dict[str, float]]
    capabilities: list[str]
    colors: dict[str, str]
    overall: dict[str, float | None]
    size_mb: dict[str, float | None]
    energy: dict[str, tuple[float | None, float | None]]


def build_report(
    folder: str | Path,
    output_dir: str | Path | None = None,
    *,
    base: str | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> ReportFiles:
    """Write the report of the runs under ``folder`` (default output: ``<folder>/report``).

    ``base`` picks the base run by label (default: the manifest's, or the one uncompressed
    model); ``n_resamples`` = 0 skips the bootstrap CIs."""
    if not 0 < confidence < 1:
        raise ReportError(f"confidence must be between 0 and 1 (got {confidence})")
    if n_resamples < 0:
        raise ReportError(f"the number of bootstrap resamples must be ≥ 0 (got {n_resamples})")
    runs = collect_runs(folder, base)
    out = Path(output_dir).expanduser() if output_dir else runs.folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    numbers = _numbers(runs)
    rows = _rows(runs, n_resamples, confidence, seed)
    figures = [
        _capability_figure(numbers, out),
        _drops_figure(runs, rows, n_resamples, confidence, out, numbers.colors),
        *_niah_figures(runs, out),
        _size_figure(numbers, out),
        _energy_figure(numbers, out),
    ]
    analyses = _analyses(runs, out)
    content = ReportContent(
        title=f"ACBench report: {runs.name}",
        facts=_facts(runs),
        warnings=_warnings(runs),
        notes=_notes(runs, numbers),
        capabilities=_capability_table(runs, numbers),
        figures=figures,
        rows=rows,
        confidence=confidence,
        energy=_energy_blocks(runs),
        analyses=analyses,
        **_published(runs),
    )
    markdown = out / "report.md"
    markdown.write_text(render_markdown(content, out), encoding="utf-8")
    html = out / "report.html"
    html.write_text(render_html(content), encoding="utf-8")
    pngs = [f.path for f in figures if f.path]
    pngs += [f.path for b in analyses for f in b.figures if f.path]
    return ReportFiles(html, markdown, pngs)


def _evaluated(runs: RunSet) -> list[RunEntry]:
    return [e for e in runs.entries if e.run is not None]


def slug(label: str) -> str:
    """A file-name-safe version of a run label."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_") or "run"


# ---- numbers ---------------------------------------------------------------------------------


def _numbers(runs: RunSet) -> _Numbers:
    evaluated = _evaluated(runs)
    scores = {e.label: capability_scores(e.run) for e in evaluated}
    return _Numbers(
        scores=scores,
        capabilities=order_capabilities(c for s in scores.values() for c in s),
        colors=plots.palette([e.label for e in runs.entries]),
        overall={label: overall_score(s) for label, s in scores.items()},
        size_mb={e.label: e.size_bytes / 1e6 if e.size_bytes else None for e in evaluated},
        energy={e.label: energy_totals(e.run.data) for e in evaluated},
    )


def _rows(runs: RunSet, n_resamples: int, confidence: float, seed: int) -> list[Row]:
    variants = [v.run for v in runs.variants if v.run is not None]
    if runs.base.run is None or not variants:
        return []
    return compare_runs(
        runs.base.run, variants, n_resamples=n_resamples, confidence=confidence, seed=seed
    )


def _published(runs: RunSet) -> dict[str, Any]:
    """The real-world table beside ACBench's published numbers, when ACBench published the
    base model (``published`` and ``published_note`` of :class:`ReportContent`)."""
    evaluated = [e.run for e in _evaluated(runs)]
    if runs.base.run is None or published_model(runs.base.run.model) is None:
        return {}
    name, rows = beside_runs(evaluated)
    if not rows:
        return {}
    headers, cells = published_cells(rows)
    note = published_note(name, all(comparable_with_paper(run) for run in evaluated))
    return {"published": Table(headers, cells, set(range(2, len(headers)))), "published_note": note}


def _leaf_tasks(entry: RunEntry) -> list[str]:
    subtasks = entry.run.data.get("group_subtasks") or {}
    return [t for t in entry.run.data.get("results", {}) if not subtasks.get(t)]


# ---- text ------------------------------------------------------------------------------------


def _facts(runs: RunSet) -> list[tuple[str, str]]:
    def describe(entry: RunEntry) -> str:
        model = f" ({entry.model})" if entry.model and entry.model != entry.label else ""
        return entry.label + model + (" — not evaluated" if entry.run is None else "")

    tasks = list(dict.fromkeys(t for e in _evaluated(runs) for t in _leaf_tasks(e)))
    sources = set()
    for entry in _evaluated(runs):
        for task in _leaf_tasks(entry):
            config = (entry.run.data.get("configs") or {}).get(task) or {}
            meta = config.get("metadata") if isinstance(config.get("metadata"), dict) else {}
            sources.add(str(meta.get("data_source") or "task default (the upstream dataset)"))
    facts = [
        ("Base", describe(runs.base)),
        ("Variants", ", ".join(describe(v) for v in runs.variants) or "none"),
        ("Report date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if runs.created:
        facts.append(("Runs created", str(runs.created)))
    facts += [
        ("Tasks evaluated", f"{len(tasks)}: {', '.join(tasks)}" if tasks else "none"),
        ("Data source", ", ".join(sorted(sources)) or "unknown"),
        ("Folder", str(runs.folder)),
    ]
    return facts


def _warnings(runs: RunSet) -> list[str]:
    """One line per run whose scores are not full-benchmark scores (sample data, --limit)."""
    from acbench_core.results import partial_reason

    warnings = []
    for entry in _evaluated(runs):
        reasons: dict[str, list[str]] = {}
        for task in _leaf_tasks(entry):
            reason = partial_reason(entry.run, task)
            if reason:
                reasons.setdefault(reason, []).append(task)
        if reasons:
            parts = [f"{reason} ({_few(tasks)})" for reason, tasks in sorted(reasons.items())]
            warnings.append(f"{entry.label}: not full-benchmark scores — " + "; ".join(parts))
    return warnings


def _few(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _notes(runs: RunSet, numbers: _Numbers) -> list[str]:
    notes = [f"{e.label}: {e.missing}" for e in runs.entries if e.run is None]
    notes += [f"{e.label}: {e.size_note}" for e in runs.entries if e.size_note and e.run]
    for label, scores in numbers.scores.items():
        lacking = [c for c in numbers.capabilities if c not in scores]
        if lacking and scores:
            notes.append(f"{label}: no {', '.join(lacking)} score; its overall averages the others")
        elif not scores:
            notes.append(f"{label}: no task with a higher-is-better headline score")
    for entry in runs.entries:
        partial = _partly_metered(entry.run.data if entry.run else {})
        if partial:
            notes.append(
                f"{entry.label}: energy covers only part of the requests of {_few(partial)} "
                "(answers from the resume cache, or not measured): compare its kWh with care"
            )
    return notes


def _partly_metered(results: dict) -> list[str]:
    """Tasks whose energy entry is missing or covers only the requests not taken from cache."""
    tasks = (results.get("energy") or {}).get("tasks") or {}
    return [
        name
        for name, entry in tasks.items()
        if isinstance(entry, dict) and (entry.get("status") != "measured" or entry.get("note"))
    ]


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def _capability_table(runs: RunSet, numbers: _Numbers) -> Table:
    caps = numbers.capabilities
    headers = ["run", "role", *caps, "overall", "recovery %", "size (MB)", "energy (kWh)"]
    headers += ["J/sample", "note"]
    base_scores = numbers.scores.get(runs.base.label)
    rows = []
    for entry in runs.entries:
        role = "base" if entry is runs.base else "variant"
        if entry.run is None:
            rows.append([entry.label, role, *[""] * (len(headers) - 3), "not evaluated"])
            continue
        scores = numbers.scores[entry.label]
        overall = numbers.overall[entry.label]
        kept = None
        if base_scores and entry is not runs.base:
            kept = overall_recovery(base_scores, scores)
        kwh, per_sample = numbers.energy[entry.label]
        rows.append(
            [
                entry.label,
                role,
                *[_fmt(100 * scores[c] if c in scores else None, ".1f") for c in caps],
                _fmt(None if overall is None else 100 * overall, ".1f"),
                _fmt(kept, ".1f"),
                _fmt(numbers.size_mb[entry.label], ".1f"),
                _fmt(kwh, ".3g"),
                _fmt(per_sample, ".1f"),
                "",
            ]
        )
    return Table(headers, rows, set(range(2, len(headers) - 1)))


def _energy_blocks(runs: RunSet) -> list[Block]:
    from acbench.energy import format_energy_summary

    blocks = []
    for entry in _evaluated(runs):
        if not entry.run.data.get("energy"):
            continue
        try:
            text = format_energy_summary(entry.run.data)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            text = f"energy block unreadable ({type(err).__name__}: {err})"
        blocks.append(Block(entry.label, text))
    return blocks


def _analyses(runs: RunSet, out: Path) -> list[Block]:
    """Each run's analysis summary and plots (copied next to the report)."""
    blocks = []
    for entry in runs.entries:
        folder = entry.analysis
        if folder is None:
            continue
        if not folder.is_dir():
            blocks.append(Block(entry.label, f"no analysis yet (no folder {folder})"))
            continue
        summary = folder / "analysis_summary.txt"
        text = (
            summary.read_text(encoding="utf-8").rstrip()
            if summary.is_file()
            else f"no analysis_summary.txt in {folder}"
        )
        figures = []
        for png in sorted(folder.glob("*.png")):
            copy = out / f"analysis_{slug(entry.label)}_{png.name}"
            shutil.copyfile(png, copy)
            figures.append(Figure(png.stem.replace("_", " "), copy))
        blocks.append(Block(entry.label, text, figures))
    return blocks


# ---- figures ---------------------------------------------------------------------------------


def _capability_figure(numbers: _Numbers, out: Path) -> Figure:
    title = "Capability radar"
    caps = numbers.capabilities
    scores = {label: s for label, s in numbers.scores.items() if s}
    if not scores or not caps:
        return Figure(title, None, "Skipped: no run has a capability score.")
    path = plots.plot_capabilities(scores, caps, out / "capabilities.png", numbers.colors)
    if len(caps) >= 3:
        return Figure(title, path, "One polygon per run; capability scores ×100.")
    return Figure(
        "Capability scores",
        path,
        f"Only {len(caps)} capabilit{'y' if len(caps) == 1 else 'ies'} ({', '.join(caps)}): "
        "a radar needs three axes, so grouped bars are shown instead.",
    )


def _drops_figure(
    runs: RunSet,
    rows: list[Row],
    n_resamples: int,
    confidence: float,
    out: Path,
    colors: dict[str, str],
) -> Figure:
    title = "Per-task drop vs base"
    if runs.base.run is None:
        return Figure(title, None, "Skipped: the base run is not evaluated.")
    leaves = [r for r in rows if not r.is_group and r.drop is not None]
    if not leaves:
        return Figure(title, None, "Skipped: no evaluated variant shares a task with the base.")
    variants = list(dict.fromkeys(r.variant for r in leaves))
    path = plots.plot_drops(leaves, variants, out / "task_drops.png", colors)
    if n_resamples and any(r.ci for r in leaves):
        ci = (
            f"Error bars: {100 * confidence:g}% paired bootstrap CI ({n_resamples} resamples) "
            "where both runs logged the same samples."
        )
    else:
        ci = "No CIs: no task has per-sample logs of the same samples in both runs."
    return Figure(title, path, f"Base − variant in points ×100 (positive = worse). {ci}")


def _niah_figures(runs: RunSet, out: Path) -> list[Figure]:
    from acbench_tasks.niah.heatmap import HeatmapError, plot_heatmap, read_cells

    figures = []
    for entry in _evaluated(runs):
        source = entry.run.sample_files.get(NIAH_TASK)
        if source is None:
            continue
        title = f"Needle in a Haystack: {entry.label}"
        try:
            cells = read_cells(source)
        except (HeatmapError, OSError) as err:
            figures.append(Figure(title, None, f"Skipped: {err}"))
            continue
        path = plot_heatmap(cells, out / f"niah_{slug(entry.label)}.png", title=entry.label)
        figures.append(Figure(title, path, "Score per context length and needle depth."))
    if not figures:
        figures.append(
            Figure(
                "Needle in a Haystack",
                None,
                f"Skipped: no run has NIAH samples (samples_{NIAH_TASK}_*.jsonl).",
            )
        )
    return figures


def _pareto_figure(
    title: str,
    costs: dict[str, float | None],
    numbers: _Numbers,
    xlabel: str,
    what: str,
    path: Path,
) -> Figure:
    points = [
        (label, cost, numbers.overall[label])
        for label, cost in costs.items()
        if cost is not None and numbers.overall.get(label) is not None
    ]
    absent = [label for label in numbers.overall if label not in {p[0] for p in points}]
    if not points:
        return Figure(title, None, f"Skipped: no {what} data.")
    front = pareto_front(points)
    plots.plot_pareto(points, front, xlabel, title, path, numbers.colors)
    caption = f"Pareto front (less {what}, higher score): {', '.join(front)}."
    if absent:
        caption += f" Not plotted (no {what} or no score): {', '.join(absent)}."
    return Figure(title, path, caption)


def _size_figure(numbers: _Numbers, out: Path) -> Figure:
    return _pareto_figure(
        "Score vs size",
        numbers.size_mb,
        numbers,
        "weights size (MB)",
        "size",
        out / "pareto_size.png",
    )


def _energy_figure(numbers: _Numbers, out: Path) -> Figure:
    with_kwh = [label for label, (kwh, _) in numbers.energy.items() if kwh is not None]
    per_sample = all(numbers.energy[label][1] is not None for label in with_kwh)
    index, xlabel = (1, "energy per sample (J)") if per_sample else (0, "total energy (kWh)")
    costs = {label: values[index] for label, values in numbers.energy.items()}
    return _pareto_figure(
        "Score vs energy", costs, numbers, xlabel, "energy", out / "pareto_energy.png"
    )
