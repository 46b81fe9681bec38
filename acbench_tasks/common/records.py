"""Reading and validating a benchmark's records: JSON lines, and all-or-nothing conversion.

A task converts each upstream record into the document it uses; records that cannot be converted
stop the run with one error naming them (the first five), rather than being skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from acbench_core.data_sources import DataSourceError

Doc = TypeVar("Doc")


def read_jsonl(lines: Iterable[str], origin: str) -> list[Any]:
    """Parse JSON lines, skipping blank ones; a bad line raises with ``origin`` and its number."""
    records = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataSourceError(f"{origin}, line {number}: not valid JSON ({err})") from None
    return records


def convert_records(
    raw: Sequence[Any],
    convert: Callable[[Mapping[str, Any]], Doc],
    label: str,
    id_key: str = "id",
) -> list[Doc]:
    """``convert`` every record; any ``ValueError`` fails the whole set with the records' ids."""
    docs, problems = [], []
    for index, record in enumerate(raw):
        try:
            if not isinstance(record, Mapping):
                raise ValueError("not a JSON object")
            docs.append(convert(record))
        except ValueError as err:
            ident = record.get(id_key) if isinstance(record, Mapping) else None
            problems.append(f"#{index}{f' ({ident})' if ident else ''}: {err}")
    if problems:
        more = f"; ... {len(problems) - 5} more" if len(problems) > 5 else ""
        raise DataSourceError(
            f"{label}: {len(problems)} of {len(raw)} records are malformed: "
            + "; ".join(problems[:5])
            + more
        )
    return docs
