"""BFCL-style function-call accuracy (beyond the ACBench paper): data, prompt and lm-eval task.

Five categories of the Berkeley Function Calling Leaderboard's single-turn Python set:
``simple``, ``multiple``, ``parallel``, ``parallel_multiple`` and ``irrelevance``. The model
sees the functions (BFCL's JSON documentation) and the question, answers with calls in Python
syntax (``[f(a=1)]``) or JSON tool-call syntax, and a sample scores 1 when
:func:`acbench_tasks.bfcl.checker.check_calls` accepts the decoded calls (irrelevance: when no
call can be decoded).

Data: BFCL's files are JSON lines, ``BFCL_v4_<category>.json`` plus
``possible_answer/BFCL_v4_<category>.json`` (v3 names on the Hub). Without an explicit data
source they are read from the installed ``bfcl-eval`` wheel when there is one (located with
``importlib.util.find_spec``; the package is never imported), else from the Hub dataset
``gorilla-llm/Berkeley-Function-Calling-Leaderboard``; ``data_source: sample`` selects our own
small sample set in the same layout.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSource,
    DataSourceError,
    Provenance,
    load_json_file,
    resolve_source,
)
from acbench_tasks.bfcl.checker import PYTHON_TYPES, check_calls
from acbench_tasks.bfcl.parser import CallParseError, is_empty, parse_function_calls
from acbench_tasks.common.chat import ChatTask, Message
from acbench_tasks.common.guard import INT_MAX_DIGITS, SCORING_ERROR, Unscorable, oversized_int
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.records import convert_records, read_jsonl

logger = logging.getLogger(__name__)

DATA = benchmark("bfcl").dataset().with_samples(Path(__file__).parent / "samples")
WHEEL_PACKAGE = "bfcl_eval"
WHEEL_DISTRIBUTION = "bfcl-eval"

#: category → file names upstream has used for it (v3 names first: the Hub dataset's).
CATEGORY_FILES: dict[str, tuple[str, ...]] = {
    "simple": ("BFCL_v3_simple.json", "BFCL_v4_simple_python.json"),
    "multiple": ("BFCL_v3_multiple.json", "BFCL_v4_multiple.json"),
    "parallel": ("BFCL_v3_parallel.json", "BFCL_v4_parallel.json"),
    "parallel_multiple": ("BFCL_v3_parallel_multiple.json", "BFCL_v4_parallel_multiple.json"),
    "irrelevance": ("BFCL_v3_irrelevance.json", "BFCL_v4_irrelevance.json"),
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_FILES)

SYSTEM_PROMPT = (
    "You can call the functions described below. Read the question and answer with the "
    "function call(s) that fulfil it, and nothing else, as a Python list of calls with keyword "
    "arguments: [function_name(param=value, ...), other_function(param=value)]. Call a "
    "function several times when the question needs it. If no function fits the question, or "
    "a required parameter is missing, say so in plain words instead of calling anything.\n\n"
    "Functions (JSON):\n{functions}"
)


# ----------------------------------------------------------------------------- data
def installed_data_dir() -> Path | None:
    """``bfcl_eval/data`` of the installed wheel, found without importing the package."""
    try:
        spec = importlib.util.find_spec(WHEEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data"
        if path.is_dir():
            return path
    return None


def resolve_bfcl_source(metadata: Mapping[str, Any] | None = None) -> DataSource:
    """The configured source; with none configured, the installed wheel's data if present.

    The wheel's data is BFCL's own (v4 file names), not the Hub dataset's: the results record
    it as ``wheel`` with the package version. ``data_source: wheel`` asks for it explicitly.
    """
    metadata = dict(metadata or {})
    chosen = metadata.get("data_source") or os.environ.get("ACBENCH_DATA_SOURCE")
    configured = chosen or metadata.get("data_dir") or os.environ.get(DATA.data_dir_env)
    if str(chosen).lower() == "wheel" or not configured:
        wheel = installed_data_dir()
        if wheel is not None:
            return DataSource(DATA, "wheel", wheel, package=WHEEL_DISTRIBUTION)
        if chosen:
            raise DataSourceError(
                f"bfcl: data_source=wheel, but the {WHEEL_DISTRIBUTION} package is not installed "
                f"(pip install {WHEEL_DISTRIBUTION})"
            )
    return resolve_source(DATA, metadata)


def read_json_lines(path: Path) -> list[Any]:
    """A BFCL data file: one JSON object per line (a JSON list is accepted too).

    Invalid UTF-8, invalid JSON, nesting too deep for the parser and an empty file are
    one-line data errors naming the file (and the line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        reason = f"byte {err.start}: {err.reason}"
        raise DataSourceError(f"{path} is not UTF-8 text ({reason})") from None
    if text.lstrip().startswith("["):
        return load_json_file(path)
    return read_jsonl(text.splitlines(), f"{path}: not JSON lines")


def check_functions(functions: Any) -> None:
    """Raise ``ValueError`` unless ``functions`` is a non-empty list of named documentations."""
    if not isinstance(functions, list) or not functions:
        raise ValueError("no 'function' documentation list")
    for function in functions:
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise ValueError("a 'function' documentation has no name")
        parameters = function.get("parameters", {})
        if not isinstance(parameters, Mapping) or not isinstance(
            parameters.get("properties", {}), Mapping
        ):
            raise ValueError(f"{function['name']}: 'parameters.properties' is not an object")
        if not isinstance(parameters.get("required", []), list):
            raise ValueError(f"{function['name']}: 'parameters.required' is not a list")


def check_answers(answers: Any, functions: Sequence[Mapping[str, Any]]) -> None:
    """Raise ``ValueError`` unless every possible answer can be checked against the functions.

    Each answer is ``{function: {param: [allowed values]}}`` naming a documented function, its
    documented parameters of types the checker knows; otherwise every answer would score 0.
    """
    if not isinstance(answers, list) or not answers:
        raise ValueError("no possible answer")
    documented = {f["name"]: f for f in functions}
    for answer in answers:
        if not isinstance(answer, Mapping) or len(answer) != 1:
            raise ValueError("a possible answer is not one {function: {param: values}} object")
        ((name, params),) = answer.items()
        if name not in documented:
            raise ValueError(f"possible answer names an undocumented function {str(name)[:60]!r}")
        properties = documented[name].get("parameters", {}).get("properties", {})
        if not isinstance(params, Mapping):
            raise ValueError(f"{name}: possible answer parameters are not an object")
        for param, options in params.items():
            schema = properties.get(param, {})  # upstream has answers with undocumented params
            if not isinstance(schema, Mapping):
                raise ValueError(f"{name}.{param}: documentation is not an object")
            if param in properties and schema.get("type") not in PYTHON_TYPES:
                raise ValueError(f"{name}.{param}: type {schema.get('type')!r} is not checkable")
            if not isinstance(schema.get("items", {}), Mapping):
                raise ValueError(f"{name}.{param}: 'items' is not an object")
            if not isinstance(options, list) or not options:
                raise ValueError(f"{name}.{param}: allowed values are not a non-empty list")


def record_to_doc(record: Mapping[str, Any], answer: Any, category: str) -> dict:
    """Flatten a BFCL record (single-turn) and its possible answer; JSON text for nested data.

    Raises ``ValueError`` for a record that cannot be scored (see :func:`check_answers`).
    """
    question = record.get("question")
    turns = question[0] if isinstance(question, list) and question else None
    if not isinstance(turns, list) or not all(
        isinstance(t, Mapping) and isinstance(t.get("content"), str) for t in turns
    ):
        raise ValueError("no single-turn 'question' message list")
    functions = record.get("function")
    check_functions(functions)
    if category != "irrelevance":
        check_answers(answer, functions)
    return {
        "id": str(record["id"]),
        "category": category,
        "messages": [{"role": str(t.get("role", "user")), "content": t["content"]} for t in turns],
        "functions": json.dumps(functions, ensure_ascii=False),
        "possible_answer": json.dumps(answer or [], ensure_ascii=False),
    }


def _require_ids(rows: list[Any], path: Path) -> None:
    if not all(isinstance(row, Mapping) and isinstance(row.get("id"), str) for row in rows):
        raise DataSourceError(f"{path}: every line must be a JSON object with a text 'id'")


def load_sourced_records(
    category: str, metadata: Mapping[str, Any] | None = None
) -> tuple[list[dict], Provenance]:
    """Documents of one category from the configured data source, validated before any
    generation (one data error naming the file and the first malformed records), and where
    they were read (kind, dataset, wheel or folder, revision or version, files)."""
    if category not in CATEGORY_FILES:
        raise DataSourceError(
            f"unknown BFCL category {category!r}; choose one of {', '.join(CATEGORIES)}"
        )
    source = resolve_bfcl_source(metadata)
    names = CATEGORY_FILES[category]
    path = source.fetch(list(names))
    records = read_json_lines(path)
    _require_ids(records, path)
    answers: dict[str, Any] = {}
    label = f"BFCL {category} ({path})"
    if category != "irrelevance":
        answer_path = source.fetch([f"possible_answer/{name}" for name in names])
        answer_rows = read_json_lines(answer_path)
        _require_ids(answer_rows, answer_path)
        answers = {row["id"]: row.get("ground_truth") for row in answer_rows}
        label = f"BFCL {category} ({path}, {answer_path})"
    docs = convert_records(
        records, lambda record: record_to_doc(record, answers.get(record["id"]), category), label
    )
    logger.info("BFCL %s: %d records from %s", category, len(docs), source.describe())
    return docs, source.provenance()


def load_records(category: str, metadata: Mapping[str, Any] | None = None) -> list[dict]:
    """Documents of one category from the configured data source (see
    :func:`load_sourced_records`)."""
    return load_sourced_records(category, metadata)[0]


def load_dataset(bfcl_category: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one category as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_records(bfcl_category, metadata))}
    )


# ----------------------------------------------------------------------------- scoring
def score_answer(
    prediction: str, functions: Sequence[Mapping], answers: Sequence[Mapping], category: str
) -> dict[str, Any]:
    """``accuracy`` (1/0) and ``decoded`` (a call list could be read) for one generation.

    Also ``scoring_error``: why a decoded answer scored 0 without being checked, else None —
    an argument that is an integer of more than 4,300 digits (BFCL's checker raises printing
    it), or one too large for the float it should be.
    """
    try:
        calls = parse_function_calls(prediction)
    except CallParseError:
        calls = None
    decoded = calls is not None and not is_empty(calls)
    note = None
    if category == "irrelevance":
        correct = not decoded
    elif not decoded:
        correct = False
    elif (huge := oversized_int(calls)) is not None:
        correct = False
        note = (
            f"an argument is an integer of about {int(huge.bit_length() * 0.30103) + 1} digits, "
            f"more than Python converts to text ({INT_MAX_DIGITS}); BFCL's checker raises on it"
        )
    else:
        try:
            correct = check_calls(functions, calls, answers, category).valid
        except Unscorable as err:
            correct, note = False, str(err)
    return {"accuracy": float(correct), "decoded": float(decoded), SCORING_ERROR: note}


register_mean_metrics(("accuracy", "decoded"))


def _first_allowed(options: list, schema: Mapping[str, Any]) -> Any:
    """The first allowed value of a parameter, with dict answers unfolded one level."""
    value = next(option for option in options if option != "")
    kind = schema.get("type")
    if kind == "dict" and isinstance(value, Mapping):
        return {k: v[0] for k, v in value.items() if "" not in v}
    if kind == "array" and schema.get("items", {}).get("type") == "dict":
        return [{k: v[0] for k, v in d.items() if "" not in v} for d in value]
    return value


def reference_calls(functions: Sequence[Mapping], answers: Sequence[Mapping]) -> list[dict]:
    """Decoded calls built from the possible answers (first allowed value, optionals left out)."""
    docs = {f["name"]: f for f in functions}
    calls = []
    for answer in answers:
        ((name, params),) = answer.items()
        properties = docs[name]["parameters"].get("properties", {})
        required = docs[name]["parameters"].get("required", [])
        args = {
            param: _first_allowed(options, properties.get(param, {}))
            for param, options in params.items()
            if "" not in options or param in required
        }
        calls.append({name: args})
    return calls


def render_calls(calls: Sequence[Mapping[str, Mapping]], syntax: str = "python") -> str:
    """Calls as an answer text: ``[f(a=1)]`` (python) or ``[{"name":..,"arguments":..}]`` (json)."""
    if syntax == "json":
        return json.dumps([{"name": n, "arguments": a} for c in calls for n, a in c.items()])
    rendered = (
        f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
        for call in calls
        for name, args in call.items()
    )
    return f"[{', '.join(rendered)}]"


def build_messages(doc: Mapping[str, Any]) -> list[Message]:
    """Our system prompt with the functions' JSON documentation, then the question's turns."""
    functions = json.dumps(json.loads(doc["functions"]), ensure_ascii=False, indent=1)
    system = SYSTEM_PROMPT.format(functions=functions)
    turns = [dict(t) for t in doc["messages"]]
    if turns and turns[0]["role"] == "system":  # keep a record's own system turn, after ours
        system = f"{system}\n\n{turns.pop(0)['content']}"
    return [{"role": "system", "content": system}, *turns]


class BFCLTask(ChatTask):
    """One BFCL category as an lm-eval task (metrics: ``accuracy``, ``decoded``)."""

    def doc_to_messages(self, doc: dict) -> list[Message]:
        return build_messages(doc)

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        docs, provenance = load_sourced_records(str(options.get("bfcl_category")), options)
        self.record_sources(data=[provenance])
        return docs, {}

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["possible_answer"]

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, Any]:
        prediction = results[0] if results and isinstance(results[0], str) else ""
        return score_answer(
            prediction,
            json.loads(doc["functions"]),
            json.loads(doc["possible_answer"]),
            doc["category"],
        )
