"""T-Eval tool use (ACBench §1): data, lm-eval task and dimension aggregation.

Six tasks, one per T-Eval dimension, each reading the upstream English v2 files that feed it:

=========== ==================================================================
instruct    ``instruct_v2`` (records in json and string response format)
plan        ``plan_json_v2`` + ``plan_str_v2``
reason      ``reason_str_v2`` + ``reason_retrieve_understand_json_v2``
retrieve    ``retrieve_str_v2`` + ``reason_retrieve_understand_json_v2``
understand  ``understand_str_v2`` + ``reason_retrieve_understand_json_v2``
review      ``review_str_v2``
=========== ==================================================================

Every document carries its ``variant`` (``json`` | ``str``). A dimension's ``score`` is computed
as upstream's ``convert_results`` does: the mean of the per-variant means (instruct rounds its
four per-format means to 4 decimals first; review rounds its mean). The group ``acbench_tool``
is the plain mean of the six scores. Per-sample values go to lm-eval as small dicts so that the
aggregation functions below can split them by variant.

The prompt is the record's ``origin_prompt`` message list (see :class:`ChatTask`). Generations
are stripped of surrounding whitespace before scoring, as upstream's inference step does
(``--metadata '{"strip_generation": false}'`` scores them verbatim).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSource,
    DataSourceError,
    Provenance,
    load_json_file,
    resolve_source,
)
from acbench_tasks.common.chat import ChatTask, Message
from acbench_tasks.common.embeddings import SentenceEmbedder, task_embedder
from acbench_tasks.common.guard import SCORING_ERROR
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.records import convert_keyed_records
from acbench_tasks.teval import scoring

logger = logging.getLogger(__name__)

DATA = benchmark("teval").dataset().with_samples(Path(__file__).parent / "samples")

RRU_JSON = "reason_retrieve_understand_json_v2"
#: dimension → upstream files it reads, with the variant of their records (None: per record).
DIMENSION_FILES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "instruct": (("instruct_v2", None),),
    "plan": (("plan_json_v2", "json"), ("plan_str_v2", "str")),
    "reason": (("reason_str_v2", "str"), (RRU_JSON, "json")),
    "retrieve": (("retrieve_str_v2", "str"), (RRU_JSON, "json")),
    "understand": (("understand_str_v2", "str"), (RRU_JSON, "json")),
    "review": (("review_str_v2", "str"),),
}
DIMENSIONS: tuple[str, ...] = tuple(DIMENSION_FILES)
VARIANTS: tuple[str, ...] = ("json", "str")


# ----------------------------------------------------------------------------- data
def _variant_of(record: Mapping[str, Any], fixed: str | None) -> str:
    if fixed is not None:
        return fixed
    meta = record.get("meta_data")
    response_format = meta.get("response_format") if isinstance(meta, Mapping) else None
    if response_format not in ("json", "string", "str"):
        raise ValueError(f"meta_data.response_format is {response_format!r}")
    return "json" if response_format == "json" else "str"


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def check_gold(file: str, variant: str, gold: Any, template: Any, meta: Any) -> None:
    """Raise ``ValueError`` unless the record's gold data can score an answer of its file.

    Checked before any generation, so that a malformed gold is a data error naming the record
    rather than a crash after the model has run or, worse, a silent free score (an unparseable
    gold ``args`` would match any answer's empty arguments).
    """
    if file == "instruct_v2":
        if not isinstance(gold, Mapping) or not _is_text(gold.get("action")):
            raise ValueError("ground_truth needs a text 'action'")
        if not isinstance(gold.get("args"), Mapping):
            raise ValueError("ground_truth 'args' is not an object")
        if variant == "json":
            if not isinstance(template, Mapping) or not all(
                _is_text(template.get(k)) for k in ("action", "args")
            ):
                raise ValueError("template needs text 'action' and 'args' keys")
        elif scoring.instruct_string_markers(template) is None:
            raise ValueError("template lacks one of the six string-format markers")
    elif file.startswith("plan_"):
        steps = scoring.normalize_plan(gold)
        if not isinstance(gold, list) or not steps or len(steps) != len(gold):
            raise ValueError("ground_truth is not a list of steps with id, name and args")
        if all(step.name == scoring.FINISH_ACTION for step in steps):
            raise ValueError("ground_truth plan has no step besides FinishAction")
        api_list = meta.get("API_list") if isinstance(meta, Mapping) else None
        if variant == "str" and not (
            isinstance(api_list, list) and api_list and all(_is_text(a) and a for a in api_list)
        ):
            raise ValueError("meta.API_list is not a list of API names")
    elif file == "review_str_v2":
        answer = gold.get("answer") if isinstance(gold, Mapping) else None
        if answer not in scoring.REVIEW_LETTERS:
            raise ValueError(f"ground_truth 'answer' is {str(answer)[:20]!r}, not a letter A-E")
    else:  # reason / retrieve / understand (string files and the shared JSON file)
        if not isinstance(gold, Mapping):
            raise ValueError("ground_truth is not an object")
        needed = {"reason_str_v2": ("thought",), "retrieve_str_v2": ("name",)}.get(
            file, ("thought", "name") if file == RRU_JSON else ()
        )
        for key in needed:
            if not _is_text(gold.get(key)):
                raise ValueError(f"ground_truth needs a text {key!r}")
        if file == "understand_str_v2" and "args" not in gold:
            raise ValueError("ground_truth has no 'args'")
        if file == RRU_JSON and "args" in gold and scoring.read_args(gold["args"]) is None:
            raise ValueError("ground_truth 'args' is neither an object nor text holding one")


def record_to_doc(key: str, record: Mapping[str, Any], file: str, variant: str | None) -> dict:
    """Flatten one upstream record; nested gold data is kept as JSON text (Arrow-friendly).

    Raises ``ValueError`` for a record that cannot be used (see :func:`check_gold`).
    """
    prompt = record.get("origin_prompt")
    if not isinstance(prompt, list) or not prompt:
        raise ValueError("no 'origin_prompt' message list")
    messages = []
    for turn in prompt:
        if not isinstance(turn, Mapping) or not isinstance(turn.get("content"), str):
            raise ValueError("an origin_prompt turn has no text 'content'")
        messages.append({"role": str(turn.get("role", "user")), "content": turn["content"]})
    if "ground_truth" not in record:
        raise ValueError("no 'ground_truth'")
    meta = record.get("meta", record.get("meta_data", {}))  # plan files say "meta"
    variant = _variant_of(record, variant)
    check_gold(file, variant, record["ground_truth"], record.get("template", ""), meta)
    return {
        "id": str(key),
        "file": file,
        "variant": variant,
        "messages": messages,
        "ground_truth": json.dumps(record["ground_truth"], ensure_ascii=False),
        "template": json.dumps(record.get("template", ""), ensure_ascii=False),
        "meta": json.dumps(meta if isinstance(meta, Mapping) else {}, ensure_ascii=False),
    }


def _read_file(source: DataSource, file: str) -> tuple[Path, Mapping[str, Any]]:
    path = source.fetch([f"data/{file}.json", f"{file}.json"])
    raw = load_json_file(path)
    if not isinstance(raw, Mapping):
        raise DataSourceError(f"T-Eval {file} ({path}): expected a JSON object keyed by query id")
    return path, raw


def _interleave(docs: Sequence[dict]) -> list[dict]:
    """Alternate variants (json, str, json, ...) so that ``--limit n`` samples both."""
    by_variant: dict[str, list[dict]] = defaultdict(list)
    for doc in docs:
        by_variant[doc["variant"]].append(doc)
    queues = [by_variant[v] for v in VARIANTS if by_variant[v]]
    return [d for group in itertools.zip_longest(*queues) for d in group if d is not None]


def load_sourced_records(
    dimension: str, metadata: Mapping[str, Any] | None = None
) -> tuple[list[dict], Provenance]:
    """Documents of one dimension from the configured data source, variants interleaved, and
    where they were read (kind, dataset or folder, revision, files)."""
    if dimension not in DIMENSION_FILES:
        raise DataSourceError(
            f"unknown T-Eval dimension {dimension!r}; choose one of {', '.join(DIMENSIONS)}"
        )
    source = resolve_source(DATA, metadata)
    docs = []
    for file, variant in DIMENSION_FILES[dimension]:
        path, raw = _read_file(source, file)
        docs += convert_keyed_records(
            raw,
            lambda key, record, file=file, variant=variant: {
                "dimension": dimension,
                **record_to_doc(key, record, file, variant),
            },
            f"T-Eval {file} ({path})",
        )
    logger.info("T-Eval %s: %d records from %s", dimension, len(docs), source.describe())
    return _interleave(docs), source.provenance()


def load_records(dimension: str, metadata: Mapping[str, Any] | None = None) -> list[dict]:
    """Documents of one dimension from the configured data source, variants interleaved."""
    return load_sourced_records(dimension, metadata)[0]


def load_dataset(teval_dimension: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one dimension as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_records(teval_dimension, metadata))}
    )


# ----------------------------------------------------------------------------- per-sample scoring
Item = dict[str, Any]  # {"variant": "json"|"str", "score": float, "parsed": float, ...}


def score_doc(doc: Mapping[str, Any], prediction: str, embedder: SentenceEmbedder | None) -> Item:
    """Score one generation; ``embedder`` is needed for plan and reason only."""
    dimension, variant = doc["dimension"], doc["variant"]
    gold = json.loads(doc["ground_truth"])
    item: Item = {"variant": variant}
    if dimension == "instruct":
        template = json.loads(doc["template"])
        result = scoring.score_instruct(prediction, gold, template, variant_format(variant))
        item.update(score=(result.format_ok + result.args_em) / 2, format=result.format_ok)
        item.update(args_em=result.args_em, parsed=result.format_ok)
    elif dimension == "plan":
        meta = json.loads(doc["meta"])
        plan = scoring.score_plan(
            prediction, gold, variant, meta.get("API_list") or [], _need(embedder)
        )
        item.update(score=plan.prf.f1, precision=plan.prf.precision, recall=plan.prf.recall)
        item.update(parsed=float(plan.parsed), note=plan.note)
    elif dimension == "review":
        gold_letter = gold.get("answer") if isinstance(gold, Mapping) else None
        correct, parsed = scoring.score_review(prediction, gold_letter)
        item.update(score=correct, parsed=float(parsed))
    elif variant == "json":  # reason / retrieve / understand on the shared JSON file
        needs_thought = dimension == "reason"
        step = scoring.score_rru_json(prediction, gold, _need(embedder) if needs_thought else None)
        value = {"reason": step.thought, "retrieve": step.name, "understand": step.args}[dimension]
        item.update(score=value, parsed=float(step.parsed), note=step.note)
    else:  # string files: always "parsed", as upstream
        if dimension == "reason":
            value = scoring.score_reason_str(prediction, gold, _need(embedder))
        elif dimension == "retrieve":
            value = scoring.score_retrieve_str(prediction, gold)
        else:
            value = scoring.score_understand_str(prediction, gold)
        item.update(score=value, parsed=1.0)
    item["score"] = float(item["score"])
    return item


def failed_item(doc: Mapping[str, Any]) -> Item:
    """The per-sample item of a sample whose scoring failed: 0 for every value any
    dimension's aggregation reads."""
    keys = ("score", "parsed", "format", "args_em", "precision", "recall")
    return {"variant": doc.get("variant"), **dict.fromkeys(keys, 0.0)}


def reference_answer(doc: Mapping[str, Any]) -> str:
    """An answer in the record's requested format built from its gold data (tests, benchmark).

    It gets the best score each dimension allows: 1 for instruct, retrieve and review;
    0.99999… for JSON args (upstream's ``+ 1e-5``); plan and reason depend on embeddings.
    """
    dimension, variant = doc["dimension"], doc["variant"]
    gold = json.loads(doc["ground_truth"])
    if dimension == "instruct":
        template = json.loads(doc["template"])
        if variant == "json":
            keys = (template["thought"], template["action"], template["args"])
            values = ("I call the tool.", gold["action"], gold["args"])
            return json.dumps(dict(zip(keys, values, strict=True)))
        t = template
        return (
            f"{t['thought_start']} I call the tool.{t['thought_end']}{t['action_start']} "
            f"{gold['action']}{t['action_end']}{t['args_start']} {gold['args']!r}{t['args_end']}"
        )
    if dimension == "plan":
        if variant == "json":
            return json.dumps(gold)
        return "\n".join(f"Use {step['name']} with {step['args']!r}" for step in gold)
    if dimension == "review":
        return f"Answer: {gold['answer']}"
    if variant == "json":
        return json.dumps(gold)
    return {
        "reason": gold["thought"],
        "retrieve": gold["name"],
        "understand": str(gold["args"]),
    }[dimension]


def variant_format(variant: str) -> str:
    """Instruct records name the string format ``"string"``."""
    return "json" if variant == "json" else "string"


def _need(embedder: SentenceEmbedder | None) -> SentenceEmbedder:
    if embedder is None:
        raise ValueError("this T-Eval dimension needs a sentence embedder")
    return embedder


# ----------------------------------------------------------------------------- aggregation
def _values(items: Sequence[Item], key: str, variant: str | None = None) -> list[float]:
    return [float(i[key]) for i in items if variant is None or i["variant"] == variant]


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def dimension_score(items: Sequence[Item]) -> float:
    """Mean over the variants present of each variant's mean score (upstream convert_results)."""
    means = [_mean(_values(items, "score", v)) for v in VARIANTS]
    present = [m for m in means if not np.isnan(m)]
    return float(np.mean(present)) if present else 0.0


def _rounded_mean(key: str, variant: str) -> Callable[[Sequence[Item]], float]:
    def aggregate(items: Sequence[Item]) -> float:
        return round(_mean(_values(items, key, variant)), 4)

    aggregate.__name__ = f"{variant}_{key}_rounded_mean"
    return aggregate


json_format_metric = _rounded_mean("format", "json")
json_args_em_metric = _rounded_mean("args_em", "json")
string_format_metric = _rounded_mean("format", "str")
string_args_em_metric = _rounded_mean("args_em", "str")


def instruct_score(items: Sequence[Item]) -> float:
    """Per format: (round4(mean format) + round4(mean args EM)) / 2; then mean of the formats."""
    per_format = []
    for variant in VARIANTS:
        fmt, args = (
            _rounded_mean("format", variant)(items),
            _rounded_mean("args_em", variant)(items),
        )
        if not np.isnan(fmt):
            per_format.append((fmt + args) / 2)
    return float(np.mean(per_format)) if per_format else 0.0


def review_score(items: Sequence[Item]) -> float:
    """Mean review correctness rounded to 4 decimals (upstream's ReviewEvaluator)."""
    values = _values(items, "score")
    return round(_mean(values), 4) if values else 0.0


def score_json(items: Sequence[Item]) -> float:
    """Mean score of the JSON-format records (NaN when none were evaluated)."""
    return _mean(_values(items, "score", "json"))


def score_str(items: Sequence[Item]) -> float:
    """Mean score of the string-format records (NaN when none were evaluated)."""
    return _mean(_values(items, "score", "str"))


def parse_rate(items: Sequence[Item]) -> float:
    return _mean(_values(items, "parsed"))


def plan_precision(items: Sequence[Item]) -> float:
    return _mean(_values(items, "precision"))


def plan_recall(items: Sequence[Item]) -> float:
    return _mean(_values(items, "recall"))


#: Metrics reported per dimension (all receive the same per-sample item).
DIMENSION_METRICS: dict[str, tuple[str, ...]] = {
    "instruct": (
        "score",
        "json_format_metric",
        "json_args_em_metric",
        "string_format_metric",
        "string_args_em_metric",
    ),
    "plan": ("score", "score_json", "score_str", "precision", "recall", "parse_rate"),
    "reason": ("score", "score_json", "score_str", "parse_rate"),
    "retrieve": ("score", "score_json", "score_str", "parse_rate"),
    "understand": ("score", "score_json", "score_str", "parse_rate"),
    "review": ("score", "parse_rate"),
}
register_mean_metrics({name for names in DIMENSION_METRICS.values() for name in names})


# ----------------------------------------------------------------------------- lm-eval task
class TEvalTask(ChatTask):
    """One T-Eval dimension as an lm-eval task.

    Task metadata understood here: ``embedding_model`` and ``scoring_mode`` (see
    :func:`task_embedder`; the model used is recorded under ``metadata.scoring``),
    ``strip_generation`` (default true), ``function_role`` (rename the ``function`` turns of
    the upstream prompts, e.g. to ``user`` for chat templates without such a role), plus the
    data-source keys ``data_source`` and ``data_dir``.
    """

    @property
    def _metadata(self) -> dict:
        return self.config.metadata if isinstance(self.config.metadata, dict) else {}

    def doc_to_messages(self, doc: dict) -> list[Message]:
        rename = self._metadata.get("function_role")
        return [
            {
                "role": rename if rename and m["role"] == "function" else m["role"],
                "content": m["content"],
            }
            for m in doc["messages"]
        ]

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        docs, provenance = load_sourced_records(str(options.get("teval_dimension")), options)
        self.record_sources(data=[provenance])
        return docs, {}

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["ground_truth"]

    @functools.cached_property
    def embedder(self) -> SentenceEmbedder:
        return task_embedder(self.config.metadata)

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, Any]:
        prediction = results[0] if results and isinstance(results[0], str) else ""
        if self._metadata.get("strip_generation", True):
            prediction = prediction.strip()
        embedder = self.embedder if doc["dimension"] in ("plan", "reason") else None
        item = score_doc(doc, prediction, embedder)
        note = item.pop("note", None)
        return {**{name: item for name in DIMENSION_METRICS[doc["dimension"]]}, SCORING_ERROR: note}

    def failed_sample_metrics(self, doc: dict) -> dict[str, Item]:
        item = failed_item(doc)
        return {name: item for name in DIMENSION_METRICS.get(doc.get("dimension"), ("score",))}
