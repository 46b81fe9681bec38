"""LongBench v1, English and code subsets: data, prompts, truncation and scorers (ACBench §3).

Prompts and maximum generation lengths are lm-eval's LongBench configs (read from its YAML
files), which are upstream's, with three upstream details restored that lm-eval's copies lost:
the trailing newline after ``Next line of code:`` (lcc, repobench-p) and the trailing space after
``The answer is:`` (passage_retrieval_en). Differences from lm-eval's ``longbench_*`` tasks:

* over-long prompts are cut in the middle to the model's length in its own tokens (upstream),
  not from the left (lm-eval), so the question at the end is kept;
* no chat template for trec, triviaqa, samsum, lcc and repobench-p (upstream), also under
  ``--apply_chat_template``; trec, triviaqa and samsum are scored on the first line only;
* the data are upstream's records (``THUDM/LongBench``, field ``input``), not a re-upload.

Scorers are lm-eval's (token F1, classification, count, retrieval and code edit similarity; for
the last, ``rapidfuzz`` stands in for an absent ``fuzzywuzzy``: the same Indel ratio), except
ROUGE-L, computed with ``rouge-score`` on lower-cased unicode word tokens (upstream uses the
``rouge`` package: sentence-split, case-sensitive; scores differ by a few points). Per sample
the best score over the reference answers counts; a subset's ``score`` is the mean, ×100 in
reports.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import logging
import re
import sys
import types
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets

from acbench_core.catalog import benchmark
from acbench_core.data_sources import DataSourceError, resolve_source
from acbench_tasks.common.long_context import middle_truncate, prompt_budget
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.prompt_task import SinglePromptTask
from acbench_tasks.common.records import convert_records, read_jsonl

logger = logging.getLogger(__name__)

#: LongBench v1's English and code subsets, in upstream's order.
SUBSETS: tuple[str, ...] = (
    "narrativeqa",
    "qasper",
    "multifieldqa_en",
    "hotpotqa",
    "2wikimqa",
    "musique",
    "gov_report",
    "qmsum",
    "multi_news",
    "trec",
    "triviaqa",
    "samsum",
    "passage_count",
    "passage_retrieval_en",
    "lcc",
    "repobench-p",
)
#: Upstream feeds these without the chat template (few-shot and code completion prompts).
NO_CHAT_SUBSETS = frozenset({"trec", "triviaqa", "samsum", "lcc", "repobench-p"})
#: Upstream scores only the first line of the answer for these.
FIRST_LINE_SUBSETS = frozenset({"trec", "triviaqa", "samsum"})
#: Upstream's prompt endings that lm-eval's configs dropped (appended to lm-eval's template).
_PROMPT_ENDINGS = {"lcc": "\n", "repobench-p": "\n", "passage_retrieval_en": " "}

METRIC_OF: dict[str, str] = {
    **dict.fromkeys(
        ("narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa", "musique"),
        "qa_f1_score",
    ),
    "triviaqa": "qa_f1_score",
    **dict.fromkeys(("gov_report", "qmsum", "multi_news", "samsum"), "rouge_score"),
    "trec": "classification_score",
    "passage_count": "count_score",
    "passage_retrieval_en": "retrieval_score",
    **dict.fromkeys(("lcc", "repobench-p"), "code_sim_score"),
}
METRICS: tuple[str, ...] = ("score", *sorted(set(METRIC_OF.values())))
register_mean_metrics(METRICS)

# samples are generated from the essays, see samples.py
DATA = benchmark("longbench").dataset().with_samples(Path(__file__).parent)
_PARAGRAPH_RE = re.compile(r"Paragraph (\d+)")


# ----------------------------------------------------------------------------- scorers
def _stand_ins() -> dict[str, types.ModuleType]:
    """Modules that satisfy lm-eval's top-level ``fuzzywuzzy``/``rouge``/``jieba`` imports."""
    from rapidfuzz import fuzz as rapid

    fuzzywuzzy = types.ModuleType("fuzzywuzzy")
    # fuzzywuzzy's ratio is the same Indel similarity, rounded to an integer.
    fuzzywuzzy.fuzz = types.SimpleNamespace(ratio=lambda a, b: round(rapid.ratio(a, b)))

    class Rouge:
        def get_scores(self, hyps, refs, avg=False):
            value = rouge_l(hyps[0], refs[0])
            return {"rouge-l": {"f": value}} if avg else [{"rouge-l": {"f": value}}]

    rouge = types.ModuleType("rouge")
    rouge.Rouge = Rouge

    def cut(*args, **kwargs):
        raise ImportError("LongBench's Chinese subsets need jieba: pip install jieba")

    jieba = types.ModuleType("jieba")
    jieba.cut = cut
    return {"fuzzywuzzy": fuzzywuzzy, "rouge": rouge, "jieba": jieba}


@functools.cache
def lm_eval_metrics() -> types.ModuleType:
    """lm-eval's ``longbench/metrics.py``, its optional imports served by rapidfuzz/rouge-score.

    The module imports ``jieba``, ``fuzzywuzzy`` and ``rouge`` at the top although the English
    metrics only need edit similarity and ROUGE; missing ones are replaced by stand-ins while
    it is imported (and removed from ``sys.modules`` afterwards).
    """
    added = []
    for name, module in _stand_ins().items():
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = module
            added.append(name)
    try:
        return importlib.import_module("lm_eval.tasks.longbench.metrics")
    finally:
        for name in added:
            sys.modules.pop(name, None)


class _WordTokenizer:
    """Lower-cased word tokens, unicode-aware (rouge-score's default drops non-ASCII words)."""

    def tokenize(self, text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())


@functools.cache
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=_WordTokenizer())


def rouge_l(prediction: str, reference: str, **kwargs: Any) -> float:
    """ROUGE-L F-measure of ``prediction`` against ``reference`` (0 when either is empty)."""
    if not prediction.strip() or not reference.strip():
        return 0.0
    return float(_rouge_scorer().score(reference, prediction)["rougeL"].fmeasure)


def scorer(metric: str) -> Callable[..., float]:
    """``(prediction, ground_truth, all_classes=...) -> float`` for a metric name."""
    if metric == "rouge_score":
        return rouge_l
    functions = {
        "qa_f1_score": "qa_f1_score",
        "classification_score": "classification_score",
        "count_score": "count_score",
        "retrieval_score": "retrieval_score",
        "code_sim_score": "code_sim_score",
    }
    if metric not in functions:
        raise KeyError(f"unknown LongBench metric {metric!r}")
    return getattr(lm_eval_metrics(), functions[metric])


def score_prediction(
    subset: str, prediction: Any, answers: Sequence[str], all_classes: Sequence[str] | None = None
) -> float:
    """Upstream's per-sample score in [0, 1]: the best over the reference answers.

    A missing or non-string prediction scores 0. trec, triviaqa and samsum keep the first line.
    """
    if not isinstance(prediction, str) or not answers:
        return 0.0
    if subset in FIRST_LINE_SUBSETS:
        prediction = prediction.lstrip("\n").split("\n")[0]
    score = scorer(METRIC_OF[subset])
    return max(float(score(prediction, str(answer), all_classes=all_classes)) for answer in answers)


# ----------------------------------------------------------------------------- prompts
@functools.cache
def upstream_config(subset: str) -> tuple[str, dict[str, Any]]:
    """(prompt template, ``{max_gen_toks, until}``) of a subset, from lm-eval's LongBench YAML."""
    import lm_eval.tasks
    from lm_eval.tasks._yaml_loader import load_yaml

    path = Path(lm_eval.tasks.__file__).parent / "longbench" / f"{subset}.yaml"
    config = load_yaml(path, resolve_func=False, recursive=False)
    template = config["doc_to_text"] + _PROMPT_ENDINGS.get(subset, "")
    generation = config["generation_kwargs"]
    return template, {
        "max_gen_toks": int(generation["max_gen_toks"]),
        "until": list(generation.get("until") or []),
    }


def build_prompt(doc: Mapping[str, Any]) -> str:
    """The subset's prompt with the record's ``context`` and ``input`` filled in (one pass)."""
    template, _ = upstream_config(doc["subset"])
    fields = {"context": doc["context"], "question": doc["input"]}
    return re.sub(r"\{\{\s*(context|question)\s*\}\}", lambda m: fields[m.group(1)], template)


# ----------------------------------------------------------------------------- data
def record_to_doc(record: Mapping[str, Any], subset: str) -> dict[str, Any]:
    """Validate an upstream record and keep the fields the task uses; raises ValueError."""
    for key in ("input", "context"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"field {key!r} is missing or not text")
    answers = record.get("answers")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
        raise ValueError("'answers' must be a non-empty list of strings")
    classes = record.get("all_classes") or []
    if METRIC_OF[subset] == "classification_score" and not classes:
        raise ValueError("'all_classes' is empty (needed for classification)")
    if METRIC_OF[subset] == "retrieval_score" and not all(_PARAGRAPH_RE.search(a) for a in answers):
        raise ValueError("answers must name a 'Paragraph <n>'")
    return {
        "id": str(record.get("_id", "")),
        "subset": subset,
        "input": record["input"],
        "context": record["context"],
        "answers": answers,
        "all_classes": [str(c) for c in classes],
        "length": int(record.get("length") or 0),
    }


def _read_zip_member(path: Path, subset: str) -> list[Any]:
    member = f"data/{subset}.jsonl"
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
            return read_jsonl(io.TextIOWrapper(raw, encoding="utf-8"), f"{path}:{member}")
    except KeyError:
        raise DataSourceError(f"LongBench: {path} has no {member}") from None
    except zipfile.BadZipFile as err:
        raise DataSourceError(f"LongBench: {path} is not a zip archive ({err})") from None


def load_raw_records(subset: str, metadata: Mapping[str, Any] | None = None) -> list[Any]:
    """Upstream records of one subset from the hub (data.zip), a local copy or the samples."""
    source = resolve_source(DATA, metadata)
    if source.kind == "sample":
        from acbench_tasks.longbench.samples import sample_records

        return sample_records(subset)
    if source.kind == "hub":
        return _read_zip_member(source.fetch("data.zip"), subset)
    try:
        path = source.fetch([f"data/{subset}.jsonl", f"{subset}.jsonl"])
    except DataSourceError:
        return _read_zip_member(source.fetch("data.zip"), subset)
    with open(path, encoding="utf-8") as handle:
        return read_jsonl(handle, str(path))


def load_records(subset: str, metadata: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Validated records of one subset; malformed records stop the run with their ids."""
    if subset not in SUBSETS:
        raise DataSourceError(
            f"unknown LongBench subset {subset!r}; ACBench subsets: {', '.join(SUBSETS)}"
        )
    raw = load_raw_records(subset, metadata)
    return convert_records(
        raw, lambda record: record_to_doc(record, subset), f"LongBench {subset}", id_key="_id"
    )


def load_dataset(longbench_subset: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one subset as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_records(longbench_subset, metadata))}
    )


# ----------------------------------------------------------------------------- lm-eval task
class LongBenchTask(SinglePromptTask):
    """One LongBench subset: upstream prompt, middle truncation, upstream chat/no-chat choice.

    Task metadata: ``truncate`` (default true) and ``max_input_tokens`` (the prompt budget;
    default: model length − max_gen_toks − 32), plus the model args lm-eval merges in
    (``pretrained``/``tokenizer``/``max_length``) and the data-source keys.
    """

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        config = dict(config or {})
        subset = (config.get("dataset_kwargs") or {}).get("longbench_subset")
        if subset in SUBSETS:  # upstream's generation settings unless the YAML sets them
            config["generation_kwargs"] = {
                **upstream_config(subset)[1],
                **(config.get("generation_kwargs") or {}),
            }
        super().__init__(config=config, **kwargs)

    def build_prompt(self, doc: dict) -> str:
        prompt = build_prompt(doc)
        if str(self.metadata.get("truncate", True)).lower() in ("false", "0", "no"):
            return prompt
        budget = prompt_budget(self.metadata, self.max_gen_toks, self.tokenizer)
        return middle_truncate(prompt, self.tokenizer, budget)

    def uses_chat_template(self, doc: dict) -> bool:
        return doc["subset"] not in NO_CHAT_SUBSETS

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["answers"][0]

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        value = score_prediction(
            doc["subset"], results[0] if results else "", doc["answers"], doc["all_classes"]
        )
        return {"score": value, METRIC_OF[doc["subset"]]: value}
