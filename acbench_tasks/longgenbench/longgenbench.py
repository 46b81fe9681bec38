"""LongGenBench: many questions in one prompt, all answered in one long generation (ACBench §4-5).

GSM8K: the test questions in blocks of K = 30, after 8 worked examples (lm-eval's ``gsm8k-cot``
exemplars), numbered from 9 on. MMLU: the first K = 20 test questions of each subject after its
5 chain-of-thought examples (lm-eval's ``flan_cot_fewshot`` prompts, the chain-of-thought-hub
set, which has 4 for college_chemistry, formal_logic and human_aging; numbering follows).

The model answers in order, each answer starting ``Answer_<n>:`` and ending ``The answer is
<x>``. Scoring splits the generation at the ``Answer_<n>:`` markers, reads the last ``The answer
is`` of each and compares it with the gold answer of question n (numbers compared as numbers,
MMLU as letters); a question without a readable answer is wrong. Per prompt ``score`` =
correct / K; the task score is the mean over prompts. ``answered`` is the share of questions
with a readable answer.

Metadata: ``questions_per_prompt`` (K), and the data-source keys; the generation length is the
YAML's ``max_gen_toks`` (ACBench: 4,096 GSM8K, 7,950 MMLU) or ``--gen_kwargs max_gen_toks=N``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets

from acbench_core.catalog import benchmark
from acbench_core.data_sources import DataSourceError, resolve_source
from acbench_tasks.common.long_context import (
    TokenizerUnavailableError,
    count_tokens,
    model_max_length,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.prompt_task import SinglePromptTask
from acbench_tasks.common.records import convert_records, read_jsonl

logger = logging.getLogger(__name__)

BENCHMARKS = ("gsm8k", "mmlu")
DEFAULT_K = {"gsm8k": 30, "mmlu": 20}
LETTERS = "ABCD"
_LONGGENBENCH = benchmark("longgenbench")
DATA = {  # the samples are generated, see samples.py
    name: _LONGGENBENCH.dataset(f"acbench_longgenbench_{name}").with_samples(Path(__file__).parent)
    for name in BENCHMARKS
}
_FILES = {
    "gsm8k": ["main/test-00000-of-00001.parquet", "main/test.jsonl"],
    "mmlu": ["all/test-00000-of-00001.parquet", "all/test.jsonl"],
}
INSTRUCTION = (
    "Answer every question below, in order, one after the other. Start the answer to question "
    '<n> with "Answer_<n>:", reason step by step, and end it with "The answer is <x>.", '
    "where <x> is {form}. The questions numbered {first_shot} to {last_shot} are answered as "
    "examples; answer the questions {first} to {last}."
)
GENERATION_MARGIN = 8  # tokens kept free when capping max_gen_toks to the model length
_FORM = {"gsm8k": "a number", "mmlu": "the letter of the correct option, such as (A)"}
_MARKER_RE = re.compile(r"Answer_(\d+)\s*:")
_ANSWER_RE = {
    "gsm8k": re.compile(r"answer is\s*:?\s*\$?\s*(-?[\d,]*\.?\d+)", re.IGNORECASE),
    "mmlu": re.compile(r"answer is\s*:?\s*\(?([A-D])\b\)?", re.IGNORECASE),
}

register_mean_metrics(["score", "answered"])


# ----------------------------------------------------------------------------- few-shot
@functools.cache
def gsm8k_examples() -> tuple[tuple[str, str], ...]:
    """The 8 chain-of-thought examples of lm-eval's ``gsm8k-cot`` task (question, answer)."""
    import lm_eval.tasks
    from lm_eval.tasks._yaml_loader import load_yaml

    path = Path(lm_eval.tasks.__file__).parent / "gsm8k" / "gsm8k-cot.yaml"
    samples = load_yaml(path, resolve_func=False, recursive=False)["fewshot_config"]["samples"]
    return tuple((s["question"].strip(), s["target"].strip()) for s in samples)


@functools.cache
def _cot_prompts() -> dict[str, str]:
    import lm_eval.tasks

    path = Path(lm_eval.tasks.__file__).parent / "mmlu" / "flan_cot_fewshot" / "_cot_prompts.json"
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def mmlu_examples(subject: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(header, 5 × (question with options, chain-of-thought answer)) of an MMLU subject."""
    prompts = _cot_prompts()
    if subject not in prompts:
        raise DataSourceError(f"LongGenBench-MMLU: no chain-of-thought examples for {subject!r}")
    header, *shots = prompts[subject].strip().split("\n\nQ: ")
    examples = []
    for shot in shots:
        question, _, answer = shot.partition("\nA: ")
        examples.append((question.strip(), answer.strip()))
    return header.strip(), tuple(examples)


def format_mmlu_question(question: str, choices: Sequence[str]) -> str:
    """MMLU question with its options on one line, as in the chain-of-thought examples."""
    options = " ".join(f"({LETTERS[k]}) {c}" for k, c in enumerate(choices))
    return f"{question.strip()}\n{options}"


# ----------------------------------------------------------------------------- prompt
def build_prompt(doc: Mapping[str, Any]) -> str:
    """Instruction, the worked examples as numbered questions and answers, then the block."""
    benchmark = doc["benchmark"]
    if benchmark == "gsm8k":
        header, shots = "", gsm8k_examples()
    else:
        header, shots = mmlu_examples(doc["subject"])
    n_shots, n_questions = len(shots), len(doc["questions"])
    lines = [
        INSTRUCTION.format(
            form=_FORM[benchmark],
            first_shot=1,
            last_shot=n_shots,
            first=n_shots + 1,
            last=n_shots + n_questions,
        )
    ]
    if header:
        lines.append(header)
    lines += [f"Question_{k + 1}: {q}" for k, (q, _) in enumerate(shots)]
    lines += [f"Question_{n_shots + k + 1}: {q}" for k, q in enumerate(doc["questions"])]
    lines += [f"Answer_{k + 1}: {a}" for k, (_, a) in enumerate(shots)]
    return "\n\n".join(lines) + "\n\n"


# ----------------------------------------------------------------------------- scoring
def extract_answers(generation: str, benchmark: str) -> dict[int, str]:
    """Question number → the last ``The answer is <x>`` in its ``Answer_<n>:`` section.

    The first section for a number counts; sections without a readable answer are left out.
    """
    if not isinstance(generation, str):
        return {}
    markers = list(_MARKER_RE.finditer(generation))
    answers: dict[int, str] = {}
    for index, marker in enumerate(markers):
        number = int(marker.group(1))
        if number in answers:
            continue
        end = markers[index + 1].start() if index + 1 < len(markers) else len(generation)
        found = _ANSWER_RE[benchmark].findall(generation[marker.end() : end])
        if found:
            answers[number] = found[-1]
    return answers


def same_answer(predicted: str, gold: str, benchmark: str) -> bool:
    """Numbers compare as numbers (commas ignored); letters case-insensitively."""
    if benchmark == "mmlu":
        return predicted.strip().upper() == gold.strip().upper()
    try:
        a, b = float(predicted.replace(",", "")), float(gold.replace(",", ""))
    except ValueError:
        return False
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-6)


def score_generation(
    generation: Any, golds: Sequence[str], first_number: int, benchmark: str
) -> dict[str, float]:
    """``score``: share of questions answered correctly at their position; ``answered``."""
    if not golds:
        return {"score": 0.0, "answered": 0.0}
    answers = extract_answers(generation, benchmark)
    correct = answered = 0
    for k, gold in enumerate(golds):
        predicted = answers.get(first_number + k)
        if predicted is not None:
            answered += 1
            correct += same_answer(predicted, gold, benchmark)
    return {"score": correct / len(golds), "answered": answered / len(golds)}


# ----------------------------------------------------------------------------- data
def gsm8k_gold(answer: str) -> str:
    """The number after ``####`` in a GSM8K solution, commas removed."""
    if "####" not in answer:
        raise ValueError("no '#### <number>' in 'answer'")
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def _read_records(benchmark: str, metadata: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    source = resolve_source(DATA[benchmark], metadata)
    if source.kind == "sample":
        from acbench_tasks.longgenbench.samples import sample_records

        return sample_records(benchmark)
    path = source.fetch(_FILES[benchmark])
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8") as handle:
        return read_jsonl(handle, str(path))


def _question(record: Mapping[str, Any], benchmark: str) -> tuple[str, str, str]:
    """(question text, gold, subject) of a record; raises ValueError on missing fields."""
    if not isinstance(record.get("question"), str):
        raise ValueError("no 'question' text")
    if benchmark == "gsm8k":
        if not isinstance(record.get("answer"), str):
            raise ValueError("no 'answer' text")
        return record["question"].strip(), gsm8k_gold(record["answer"]), ""
    choices, answer = record.get("choices"), record.get("answer")
    if not isinstance(choices, Sequence) or len(choices) != 4:
        raise ValueError("'choices' must list 4 options")
    if not isinstance(answer, int) or not 0 <= answer < 4:
        raise ValueError("'answer' must be an option index 0-3")
    subject = str(record.get("subject") or "")
    return format_mmlu_question(record["question"], choices), LETTERS[answer], subject


def make_blocks(
    records: Sequence[Mapping[str, Any]], benchmark: str, k: int
) -> list[dict[str, Any]]:
    """Prompts' documents: GSM8K in consecutive blocks of k; MMLU the first k per subject."""
    items = convert_records(
        records, lambda record: _question(record, benchmark), f"LongGenBench-{benchmark}"
    )
    if benchmark == "gsm8k":
        groups = [("", items[i : i + k]) for i in range(0, len(items), k)]
    else:
        by_subject: dict[str, list[tuple[str, str, str]]] = {}
        for item in items:
            by_subject.setdefault(item[2], []).append(item)
        groups = [(subject, rows[:k]) for subject, rows in by_subject.items()]
    return [
        {
            "benchmark": benchmark,
            "block": index,
            "subject": subject,
            "questions": [q for q, _, _ in rows],
            "golds": [g for _, g, _ in rows],
        }
        for index, (subject, rows) in enumerate(groups)
    ]


def load_dataset(longgenbench: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset``: one document per packed prompt."""
    if longgenbench not in BENCHMARKS:
        raise DataSourceError(f"unknown LongGenBench variant {longgenbench!r}; use gsm8k or mmlu")
    k = int(metadata.get("questions_per_prompt") or DEFAULT_K[longgenbench])
    if k <= 0:
        raise ValueError(f"questions_per_prompt must be positive, not {k}")
    blocks = make_blocks(_read_records(longgenbench, metadata), longgenbench, k)
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(blocks)})


class LongGenBenchTask(SinglePromptTask):
    """One packed prompt per document, one long greedy generation, positional scoring.

    When the evaluated model's tokenizer is known, each request's ``max_gen_toks`` is capped so
    that prompt + answer fit the model's length: lm-eval would otherwise cut the prompt from the
    left to make room (ACBench's 7,950 MMLU tokens exceed an 8k model with its prompt).
    """

    @functools.cached_property
    def _length_limit(self) -> tuple[Any, int] | None:
        """(tokenizer, model length), or None when the tokenizer cannot be loaded (API models)."""
        try:
            tokenizer = self.tokenizer
        except TokenizerUnavailableError as err:
            logger.info("LongGenBench: generation length not capped (%s)", err)
            return None
        return tokenizer, model_max_length(self.metadata, tokenizer)

    def construct_requests(self, doc: dict, ctx: Any, **kwargs: Any) -> Any:
        request = super().construct_requests(doc, ctx, **kwargs)
        if isinstance(ctx, str) and self._length_limit is not None:
            tokenizer, limit = self._length_limit
            generation = request.arguments[1]
            room = limit - count_tokens(ctx, tokenizer) - GENERATION_MARGIN
            if 0 < room < generation.get("max_gen_toks", room + 1):
                if not getattr(self, "_warned_cap", False):
                    self._warned_cap = True
                    logger.warning(
                        "%s: max_gen_toks capped (%s → %d for the first prompt) so that prompt "
                        "and answer fit the model's %d tokens",
                        self.config.task,
                        generation.get("max_gen_toks"),
                        room,
                        limit,
                    )
                generation["max_gen_toks"] = room
        return request

    def build_prompt(self, doc: dict) -> str:
        return build_prompt(doc)

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        first = self._first_number(doc)
        return "\n".join(
            f"Answer_{first + k}: The answer is {g}." for k, g in enumerate(doc["golds"])
        )

    @staticmethod
    def _first_number(doc: Mapping[str, Any]) -> int:
        shots = (
            gsm8k_examples() if doc["benchmark"] == "gsm8k" else mmlu_examples(doc["subject"])[1]
        )
        return len(shots) + 1

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        return score_generation(
            results[0] if results else "", doc["golds"], self._first_number(doc), doc["benchmark"]
        )
