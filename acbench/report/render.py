"""The report as Markdown and as one self-contained HTML file, from one :class:`ReportContent`.

Both renderers read the same content, so the two files always say the same thing. The Markdown
refers to the PNGs next to it; the HTML embeds them as base64 data URIs (jinja2 template
``templates/report.html.j2``), so it can be mailed or attached as a single file.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path

from acbench.compare.formats import COLUMNS, format_markdown, row_cells, table_footnote
from acbench_core.comparison import Row

TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Table:
    """Formatted cells; ``right`` holds the indexes of numeric (right-aligned) columns."""

    headers: list[str]
    rows: list[list[str]]
    right: set[int] = field(default_factory=set)


@dataclass
class Figure:
    """A plot (``path``) with its caption, or a skipped plot (no path) with the reason."""

    title: str
    path: Path | None = None
    caption: str = ""


@dataclass
class Block:
    """Per-run text (energy summary, analysis summary) with its figures."""

    label: str
    text: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class ReportContent:
    title: str
    facts: list[tuple[str, str]]
    warnings: list[str]
    notes: list[str]
    capabilities: Table
    figures: list[Figure]
    rows: list[Row]
    confidence: float
    energy: list[Block]
    analyses: list[Block]
    #: Our real-world rows beside ACBench's published ones (None: no published base model).
    published: Table | None = None
    published_note: str = ""


def comparison_table(rows: list[Row], confidence: float) -> Table:
    """The rows of ``acbench compare`` with its columns and cell formatting."""
    cells = [row_cells(row, confidence) for row in rows]
    return Table(list(COLUMNS), cells, set(range(4, len(COLUMNS) - 1)))


# ---- Markdown --------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.headers) + " |"]
    lines.append(
        "|"
        + "|".join("---:" if i in table.right else "---" for i in range(len(table.headers)))
        + "|"
    )
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def _md_figure(figure: Figure, output_dir: Path, level: str = "###") -> list[str]:
    lines = [f"{level} {figure.title}", ""]
    if figure.path is None:
        return [*lines, f"*{figure.caption}*", ""]
    link = Path(os.path.relpath(figure.path, output_dir)).as_posix()
    lines.append(f"![{figure.title}]({link})")
    if figure.caption:
        lines += ["", f"*{figure.caption}*"]
    return [*lines, ""]


def render_markdown(content: ReportContent, output_dir: Path) -> str:
    """The report as GitHub-flavoured Markdown; image links relative to ``output_dir``."""
    lines = [f"# {content.title}", ""]
    lines += [f"- **{key}:** {value}" for key, value in content.facts] + [""]
    lines += [f"> **Warning:** {w}\n" for w in content.warnings]
    lines += [f"- {n}" for n in content.notes] + ([""] if content.notes else [])
    lines += ["## Capability scores", "", markdown_table(content.capabilities)]
    lines += ["## Plots", ""]
    for figure in content.figures:
        lines += _md_figure(figure, output_dir)
    lines += ["## Per-task comparison", ""]
    if content.rows:
        lines.append(format_markdown(content.rows, content.confidence))
    else:
        lines += ["*No comparison: the base and the variants share no evaluated task.*", ""]
    if content.published:
        lines += ["## Real-world beside ACBench's published numbers", ""]
        lines += [markdown_table(content.published), content.published_note, ""]
    if content.energy:
        lines += ["## Energy", ""]
        for block in content.energy:
            lines += [f"### {block.label}", "", "```text", block.text, "```", ""]
    if content.analyses:
        lines += ["## Analysis", ""]
        for block in content.analyses:
            lines += [f"### {block.label}", "", "```text", block.text, "```", ""]
            for figure in block.figures:
                lines += _md_figure(figure, output_dir, "####")
    return "\n".join(lines).rstrip() + "\n"


# ---- HTML ------------------------------------------------------------------------------------


def data_uri(path: Path) -> str:
    """A PNG as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def render_html(content: ReportContent) -> str:
    """The report as one HTML page with the plots embedded (no external files or links)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["data_uri"] = data_uri
    template = env.get_template("report.html.j2")
    return template.render(
        c=content,
        comparison=comparison_table(content.rows, content.confidence),
        footnote=table_footnote(content.confidence),
    )
