"""Reading and validating a benchmark's records: JSON lines, and all-or-nothing conversion.

A task converts each upstream record into the document it uses; records that cannot be converted
stop the run with one error naming the file and the records (the first five), rather than being
skipped silently or crashing after the model has run. Before a task's own checks, every record
is checked for what no task can use (:func:`check_json_value`): strings holding lone UTF-16
surrogates (JSON escapes such as ``"\\ud800"``, which no tokenizer encodes) and nesting deeper
than :data:`MAX_NESTING`. An empty set of records is an error too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from acbench_core.data_sources import DataSourceError

Doc = TypeVar("Doc")

#: Deepest nesting of lists/objects accepted in a record (upstream records use at most ~8).
MAX_NESTING = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_jsonl(lines: Iterable[str], origin: str) -> list[Any]:
    """Parse JSON lines, skipping blank ones; a bad line raises with ``origin`` and its number.

    Invalid UTF-8 (raised while ``lines`` is read) and nesting too deep for the parser are
    reported the same way.
    """
    records = []
    number = 0
    try:
        for number, line in enumerate(lines, 1):  # noqa: B007  (number is used after a failure)
            if line.strip():
                records.append(json.loads(line))
    except UnicodeDecodeError as err:
        raise DataSourceError(
            f"{origin}, line {number + 1}: not UTF-8 text ({err.reason})"
        ) from None
    except ValueError as err:  # JSONDecodeError, or a number of more than 4,300 digits
        raise DataSourceError(f"{origin}, line {number}: not valid JSON ({err})") from None
    except RecursionError:
        raise DataSourceError(f"{origin}, line {number}: JSON nested too deeply") from None
    return records


def check_json_value(value: Any, max_depth: int = MAX_NESTING) -> None:
    """Raise ``ValueError`` for a lone surrogate in any string (or key) or nesting too deep.

    Iterative, so that the check itself cannot hit the recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ValueError(f"a text holds a lone surrogate (invalid Unicode): {item[:40]!r}")
        elif isinstance(item, (Mapping, list, tuple)):
            if depth >= max_depth:
                raise ValueError(f"nested more than {max_depth} levels deep")
            if isinstance(item, Mapping):
                stack.extend((k, depth) for k in item if isinstance(k, str))
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def _record_label(index: int, ident: Any) -> str:
    text = str(ident) if ident not in (None, "") else ""
    if len(text) > 60:
        text = text[:57] + "..."
    return f"#{index}{f' ({text})' if text else ''}"


def convert_records(
    raw: Sequence[Any],
    convert: Callable[[Mapping[str, Any]], Doc],
    label: str,
    id_key: str = "id",
) -> list[Doc]:
    """Check and ``convert`` every record; any ``ValueError`` fails the whole set with ids.

    ``label`` names the benchmark part and, where there is one, the file; ids are read from
    ``id_key``.
    """
    entries = [
        (_record_label(i, r.get(id_key) if isinstance(r, Mapping) else None), r, convert)
        for i, r in enumerate(raw)
    ]
    return _convert_all(entries, label)


def convert_keyed_records(
    raw: Mapping[str, Any],
    convert: Callable[[str, Mapping[str, Any]], Doc],
    label: str,
) -> list[Doc]:
    """:func:`convert_records` for a file that maps ids to records; ``convert(id, record)``."""
    entries = [
        (_record_label(i, key), record, lambda r, key=key: convert(key, r))
        for i, (key, record) in enumerate(raw.items())
    ]
    return _convert_all(entries, label)


def _first_line(text: str, limit: int = 200) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _convert_all(entries: list[tuple[str, Any, Callable[[Any], Doc]]], label: str) -> list[Doc]:
    if not entries:
        raise DataSourceError(f"{label}: no records")
    docs, problems = [], []
    for name, record, convert in entries:
        try:
            if not isinstance(record, Mapping):
                raise ValueError("not a JSON object")
            check_json_value(record)
            docs.append(convert(record))
        except ValueError as err:
            problems.append(f"{name}: {_first_line(str(err))}")
        except Exception as err:  # a record shaped so that conversion fails: still a data error
            problems.append(f"{name}: {type(err).__name__}: {_first_line(str(err))}")
    if problems:
        more = f"; ... {len(problems) - 5} more" if len(problems) > 5 else ""
        raise DataSourceError(
            f"{label}: {len(problems)} of {len(entries)} records are malformed: "
            + "; ".join(problems[:5])
            + more
        )
    return docs
