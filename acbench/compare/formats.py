"""``acbench compare``'s output formats: a terminal table (rich), Markdown and CSV."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence

from acbench_core.comparison import Row
from acbench_core.reference import SOURCE, BesideRow

COLUMNS = (
    "capability",
    "task",
    "variant",
    "metric",
    "n",
    "base",
    "compressed",
    "drop",
    "drop %",
    "recovery %",
    "drop CI",
    "significant",
)


def _pct(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def row_cells(row: Row, confidence: float) -> list[str]:
    """A row's cells as text, in ``COLUMNS`` order (shared by the table, Markdown and reports)."""
    ci = "" if row.ci is None else f"[{100 * row.ci.low:.1f}, {100 * row.ci.high:.1f}]"
    n = row.n_compressed if row.n_base == row.n_compressed else f"{row.n_base}/{row.n_compressed}"
    return [
        row.capability,
        f"{row.task} (group)" if row.is_group else row.task,
        row.variant,
        row.metric,
        "" if n is None else str(n),
        _pct(None if row.base is None else 100 * row.base),
        _pct(None if row.compressed is None else 100 * row.compressed),
        _pct(None if row.drop is None else 100 * row.drop),
        _pct(row.relative_drop),
        _pct(row.recovery),
        ci,
        row.significance,
    ]


def format_table(
    rows: Sequence[Row], confidence: float = 0.95, title: str = "", width: int | None = None
) -> str:
    """A rich table for the terminal (scores and drops ×100); ``width`` defaults to the
    terminal's, or 200 columns when the output is not a terminal (task names never wrap)."""
    import shutil

    from rich.console import Console
    from rich.table import Table

    if width is None:
        width = shutil.get_terminal_size((200, 24)).columns if sys.stdout.isatty() else 200
    table = Table(title=title or None, title_justify="left")
    for column in COLUMNS:
        justify = "left" if column in ("capability", "task", "variant", "metric") else "right"
        table.add_column(column, justify=justify, no_wrap=column == "task")
    for row in rows:
        cells = row_cells(row, confidence)
        if row.significance == "drop":
            cells[-1] = f"[red]{cells[-1]}[/red]"
        table.add_row(*cells)
    console = Console(file=io.StringIO(), width=width)
    console.print(table)
    console.print(table_footnote(confidence))
    return console.file.getvalue()


def table_footnote(confidence: float) -> str:
    """What the columns mean; printed under every rendering of the comparison."""
    return (
        f"Scores and drops ×100. drop = base − compressed (positive = worse); recovery = "
        f"compressed / base. Drop CI: {100 * confidence:g}% paired bootstrap over per-sample "
        "logs matched by doc_id (n/a without both logs); significant when it excludes 0."
    )


def format_markdown(rows: Sequence[Row], confidence: float = 0.95) -> str:
    """A GitHub-flavoured Markdown table of the rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |"]
    lines.append("|" + "|".join("---" if c in COLUMNS[:4] else "---:" for c in COLUMNS) + "|")
    for row in rows:
        cells = [c.replace("|", "\\|") for c in row_cells(row, confidence)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", table_footnote(confidence)]
    return "\n".join(lines) + "\n"


CSV_FIELDS = (
    "capability",
    "task",
    "is_group",
    "variant",
    "metric",
    "higher_is_better",
    "n_base",
    "n_compressed",
    "base",
    "compressed",
    "drop",
    "relative_drop_pct",
    "recovery_pct",
    "ci_low",
    "ci_high",
    "n_pairs",
    "significant",
)


def format_csv(rows: Sequence[Row]) -> str:
    """Unrounded values, one line per row (scores on their own scale, not ×100)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                "capability": row.capability,
                "task": row.task,
                "is_group": row.is_group,
                "variant": row.variant,
                "metric": row.metric,
                "higher_is_better": row.higher_is_better,
                "n_base": row.n_base,
                "n_compressed": row.n_compressed,
                "base": row.base,
                "compressed": row.compressed,
                "drop": row.drop,
                "relative_drop_pct": row.relative_drop,
                "recovery_pct": row.recovery,
                "ci_low": None if row.ci is None else row.ci.low,
                "ci_high": None if row.ci is None else row.ci.high,
                "n_pairs": None if row.ci is None else row.ci.n_pairs,
                "significant": row.significance,
            }
        )
    return out.getvalue()


# ---- beside ACBench's published numbers --------------------------------------------------------


def published_cells(rows: Sequence[BesideRow]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells (×100) of our runs beside ACBench's published rates; the published
    columns are headed ``published: <method>`` so they are never read as ours."""
    if not rows:
        return [], []
    labels, methods = list(rows[0].ours), list(rows[0].published)
    headers = ["environment", "metric", *labels, *(f"published: {m}" for m in methods)]
    cells = [
        [
            row.env,
            row.metric,
            *(_pct(None if v is None else 100 * v) for v in row.ours.values()),
            *(_pct(None if v is None else 100 * v) for v in row.published.values()),
        ]
        for row in rows
    ]
    return headers, cells


def published_note(model: str, comparable: bool) -> str:
    """Where the published numbers come from, and whether our runs can be set beside them."""
    note = (
        f"Published numbers: {SOURCE}, base model {model}; fractions ×100. They are the paper's, "
        "not from these runs. average = mean progress over jericho, pddl, tool-query, "
        "tool-operation, scienceworld (ACBench published no AlfWorld numbers)."
    )
    if not comparable:
        note += (
            " These runs used our offline sample problems (comparable_with_paper: false): "
            "do not read the gap as a compression effect."
        )
    return note


def format_published(rows: Sequence[BesideRow], note: str, markdown: bool = False) -> str:
    """The published comparison as a terminal table or a Markdown table, with its note."""
    headers, cells = published_cells(rows)
    if markdown:
        lines = ["| " + " | ".join(headers) + " |"]
        lines.append("|---|---|" + "---:|" * (len(headers) - 2))
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join([*lines, "", note]) + "\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Real-world (AgentBoard) beside ACBench's published numbers")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i < 2 else "right")
    for row in cells:
        table.add_row(*row)
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    console.print(note, soft_wrap=True)
    return console.file.getvalue()
