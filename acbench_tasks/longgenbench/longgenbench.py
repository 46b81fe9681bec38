"""LongGenBench: many questions in one prompt, all answered in one long generation.

``acbench`` protocol (default): what ACBench ran (its ``thirdpartys/SCOPE``: ``data_gen``,
``run_longgenbench.py``, ``eval_longgenbench.py``; see longcontext-upstream.md §2).

* GSM8K: the 1,319 test questions (``openai/gsm8k``) in blocks of K = 30; only full blocks run
  (the 29-question tail went to another file that was never run): 43 prompts.
  Prompt = ``"Examples: \\n"`` + LongGenBench's ``LongGenBench_prompt.txt`` +
  ``"\\n\\nFollowing Question: \\n"`` + ``"Question_{i}:\\n{q}\\n"`` for i = 9… + ``"\\n"``.
* MMLU: for each of the 57 subjects, LongGenBench's ``<subject>_test.csv`` is formatted whole
  (``pandas.read_csv(header=None)``, ``question\\n(A) a(B) b(C) c(D) d\\n\\n`` per row, pandas'
  NA parsing included) and split on blank lines; the first K = 20 pieces are the questions and
  the first 20 answer letters the golds, so questions containing a blank line shift the golds
  (upstream's quirk, kept). Demos: ``LongGenBench_prompt.json[subject]``, questions by
  ``Q:.*?\\(D\\)`` (which cuts option D's text), answers by ``A:.*?The answer is.*?\\)``;
  numbering from 6.
* System instruction: ACBench's ``model2prompt`` (MMLU's ends with "about " and nothing after),
  wrapped by the model key as ``run_longgenbench.py`` does (:func:`acbench_chat`), never by
  lm-eval's chat template. Greedy, 4,096 (GSM8K) / 7,950 (MMLU) new tokens, no stop string.
* Scoring: ``re.findall(r'Answer_\\d+:\\s*.*?answer is (\\d+)', pred, re.DOTALL)`` (GSM8K) and
  ``re.findall(r'Answer_\\d+:\\s*.*?answer is \\((.*?)\\)', pred)`` (MMLU) paired with the golds
  by list position; accuracy = correct / K; the paper's number is round(100 × mean, 4). The
  regexes are evaluated by :func:`gsm8k_predictions` / :func:`mmlu_predictions`, which return
  exactly what those ``findall`` calls return (tested against them) in time linear in the
  output, where the regexes themselves backtrack quadratically over whitespace.

The upstream texts are read at run time from Dominic789654/LongGenBench @ 98458646 and
pprp/ACBench @ da7110e (:mod:`acbench_tasks.common.upstream`: a checkout named by
``longgenbench_repo`` / ``acbench_repo``, the cache, or one download). With
``data_source: sample`` files written for this project stand in for them.

``clean`` protocol: this project's variant. Worked examples from lm-eval (``gsm8k-cot``; MMLU
``flan_cot_fewshot``), all 1,319 GSM8K questions (44 prompts), a plain instruction, lm-eval's
chat template, and a lenient parser: each ``Answer_<n>:`` section's last ``The answer is <x>``
(any case; ``$``, commas, signs and decimals for numbers; ``(B)`` or ``B`` for letters) is
compared with the gold of question n.

Both report ``score`` (accuracy at position, per prompt) and ``answered`` (share of positions
with a readable answer). Metadata: ``protocol``, ``questions_per_prompt`` (K), ``model_key``,
the data-source keys; ``--gen_kwargs max_gen_toks=N`` (acbench: lower only).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import io
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSourceError,
    Provenance,
    merge_provenance,
    package_version,
    provenance_fields,
    resolve_source,
)
from acbench_tasks.common.long_context import (
    TokenizerUnavailableError,
    count_tokens,
    model_key,
    model_max_length,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.prompt_task import SinglePromptTask
from acbench_tasks.common.records import convert_records, read_jsonl
from acbench_tasks.common.upstream import (
    ACBENCH_REPO,
    PinnedRepo,
    UpstreamText,
    literal_assignment,
    read_upstream,
)

logger = logging.getLogger(__name__)

BENCHMARKS = ("gsm8k", "mmlu")
DEFAULT_K = {"gsm8k": 30, "mmlu": 20}
#: ACBench's new-token budgets (``dataset2maxlen_4K`` for K = 30, ``_8K`` otherwise).
ACBENCH_MAX_GEN_TOKS = {"gsm8k": 4096, "mmlu": 7950}
#: First question number after the worked examples (upstream ``data_gen`` scripts).
ACBENCH_FIRST_NUMBER = {"gsm8k": 9, "mmlu": 6}
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

# ----------------------------------------------------------------------------- upstream files
LONGGENBENCH_REPO = PinnedRepo(
    github="Dominic789654/LongGenBench",
    commit="98458646ced747ca81a2d3023213a00a70cd7694",
    copy_key="longgenbench_repo",
)
GSM8K_PROMPT_FILE = "data/LongGenBench_GSM8K_prompt/LongGenBench_prompt.txt"
MMLU_PROMPT_FILE = "data/LongGenBench_MMLU_prompt/LongGenBench_prompt.json"
MMLU_TEST_FILE = "data/MMLU/data/test/{subject}_test.csv"
SYSTEM_PROMPT_FILE = "thirdpartys/SCOPE/run_longgenbench.py"
#: The 57 subjects of LongGenBench's MMLU generator, in its order.
MMLU_SUBJECTS: tuple[str, ...] = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge",
    "college_biology", "college_chemistry", "college_computer_science", "college_mathematics",
    "college_medicine", "college_physics", "computer_security", "conceptual_physics",
    "econometrics", "electrical_engineering", "elementary_mathematics", "formal_logic",
    "global_facts", "high_school_biology", "high_school_chemistry",
    "high_school_computer_science", "high_school_european_history", "high_school_geography",
    "high_school_government_and_politics", "high_school_macroeconomics",
    "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
    "high_school_psychology", "high_school_statistics", "high_school_us_history",
    "high_school_world_history", "human_aging", "human_sexuality", "international_law",
    "jurisprudence", "logical_fallacies", "machine_learning", "management", "marketing",
    "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
    "philosophy", "prehistory", "professional_accounting", "professional_law",
    "professional_medicine", "professional_psychology", "public_relations",
    "security_studies", "sociology", "us_foreign_policy", "virology", "world_religions",
)  # fmt: skip

Reader = Callable[[PinnedRepo, str], UpstreamText]


def upstream_reader(metadata: Mapping[str, Any]) -> Reader:
    """Reads upstream files: the pinned repositories, or the samples' stand-ins."""
    if resolve_source(DATA["gsm8k"], metadata).kind == "sample":
        import hashlib

        from acbench_tasks.longgenbench.samples import sample_upstream_files

        files = sample_upstream_files()

        def read_sample(repo: PinnedRepo, path: str) -> UpstreamText:
            if path not in files:
                raise DataSourceError(f"LongGenBench samples: no stand-in for {path}")
            text = files[path]
            sha = hashlib.sha256(text.encode()).hexdigest()
            record = Provenance(
                "sample", "acbench:longgenbench", package_version("acbench"), (path,), True, sha
            )
            return UpstreamText(text, f"sample:{path}", sha, record)

        return read_sample
    return lambda repo, path: read_upstream(repo, path, metadata)


def system_prompts(
    metadata: Mapping[str, Any], read_from: list[Provenance] | None = None
) -> tuple[dict[str, str], str]:
    """ACBench's ``model2prompt`` (parsed, never executed) and where it was read (its
    provenance record is appended to ``read_from``)."""
    if resolve_source(DATA["gsm8k"], metadata).kind == "sample":
        from acbench_tasks.longgenbench.samples import SAMPLE_INSTRUCTIONS

        return dict(SAMPLE_INSTRUCTIONS), "sample: instructions written for the samples"
    source = read_upstream(ACBENCH_REPO, SYSTEM_PROMPT_FILE, metadata)
    if read_from is not None and source.provenance is not None:
        read_from.append(source.provenance)
    table = literal_assignment(source, "model2prompt")
    if isinstance(table, dict) and all(isinstance(table.get(b), str) for b in BENCHMARKS):
        return {b: table[b] for b in BENCHMARKS}, source.origin
    raise DataSourceError(f"{source.origin}: no model2prompt with gsm8k and mmlu prompts")


# ----------------------------------------------------------------------------- acbench prompts
def gsm8k_prompt(demos: str, questions: Sequence[str], first: int = 9) -> str:
    """LongGenBench's GSM8K prompt: demos, then the questions numbered from ``first``."""
    prompt = "Examples: \n" + demos + "\n\nFollowing Question: \n"
    prompt += "".join(f"Question_{i}:\n{q}\n" for i, q in enumerate(questions, first))
    return prompt + "\n"


def mmlu_demos(text: str) -> str:
    """A subject's demos in LongGenBench's layout, by its generator's two regexes."""
    questions = re.findall(r"Q:.*?\(D\)", text, re.DOTALL)
    answers = re.findall(r"A:.*?The answer is.*?\)", text, re.DOTALL)
    out = "".join(
        f"Question_{i}:\n" + re.sub(r"^Q: ", "", q.strip()) + "\n\n"
        for i, q in enumerate(questions, 1)
    )
    return out + "".join(
        f"Answer_{i}:\n" + re.sub(r"^A: ", "", a.strip()) + "\n\n" for i, a in enumerate(answers, 1)
    )


def mmlu_csv_pieces(csv_text: str, origin: str) -> tuple[list[str], list[Any]]:
    """(question pieces, answer column) of a test CSV, as LongGenBench's generator made them:
    every row formatted, the whole text split on blank lines."""
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(csv_text), header=None)
    except Exception as err:  # pandas' parser errors
        raise DataSourceError(f"{origin}: not a readable CSV ({err})") from None
    if frame.shape[1] < 3 or frame.shape[1] - 2 > len(LETTERS):
        raise DataSourceError(f"{origin}: expected question, options and answer columns")
    text = ""
    for row in range(frame.shape[0]):
        question = frame.iloc[row, 0]
        if not isinstance(question, str):
            raise DataSourceError(f"{origin}, row {row + 1}: the question is not text")
        text += question + "\n"
        for j in range(frame.shape[1] - 2):
            text += f"({LETTERS[j]}) {frame.iloc[row, j + 1]}"
        text += "\n\n"
    text += "\n\n"
    return text.split("\n\n"), list(frame.iloc[:, frame.shape[1] - 1])


def mmlu_prompt(demos: str, questions: Sequence[str], first: int = 6) -> str:
    prompt = "Examples: \n" + demos + "\n\nFollowing Question: \n"
    prompt += "".join(f"Question_{i}:\n{q}\n" for i, q in enumerate(questions, first))
    return prompt + "\n"


def acbench_chat(system: str, prompt: str, key: str) -> tuple[str, str]:
    """(prompt, rule) by ``run_longgenbench.py``'s wrapping, matched on the lower-cased key."""
    lower = key.lower()
    if "llama2" in lower:
        return f"[INST] <<SYS>>\n {system} \n<</SYS>>\n\n{prompt} [/INST]", "llama2"
    if "llama-3" in lower:
        return f"<<SYS>>\n {system} \n<</SYS>>\n\n{prompt}", "llama-3"
    chatml = (
        f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    if "qwen" in lower:
        return chatml, "qwen"
    if "internlm" in lower:
        return f"<|System|>: {system}\n<|User|>: {prompt}\n<|Assistant|>: ", "internlm"
    if "megrez" in lower:
        return chatml, "megrez"
    if "gemma" in lower:
        return (
            f"<start_of_turn>system\n{system}<end_of_turn>\n<start_of_turn>user\n{prompt}"
            "<end_of_turn>\n<start_of_turn>model",
            "gemma",
        )
    if "phi" in lower:
        return f"Instruct: {system}\nInput: {prompt}\nOutput: ", "phi"
    if "minicpm" in lower:
        return f"<|system|>{system}</s><|user|>{prompt}</s><|assistant|>", "minicpm"
    return system + "\n\n" + prompt, "none (system + blank line + prompt)"


# ----------------------------------------------------------------------------- acbench scoring
_MARKER = re.compile(r"Answer_\d+:")
_GSM8K_ANSWER = re.compile(r"answer is (\d+)")
_MMLU_OPEN = re.compile(r"answer is \(")
_GSM8K_GOLD = re.compile(r"####\s*(\d+)")


def gsm8k_gold(solution: Any) -> str | None:
    """``re.search(r'####\\s*(\\d+)', answer)`` of upstream's eval (``1,207`` → ``1``)."""
    if not isinstance(solution, str):
        return None
    match = _GSM8K_GOLD.search(solution)
    return match.group(1) if match else None


def gsm8k_predictions(pred: str) -> list[str]:
    """Exactly ``re.findall(r'Answer_\\d+:\\s*.*?answer is (\\d+)', pred, re.DOTALL)``.

    From each ``Answer_<n>:`` marker the lazy match runs to the first ``answer is <digits>``
    after it (case-sensitive, so ``answer is $18`` is passed over and the match runs on into
    later answers); the next search starts where that match ended. Once a marker has no
    answer after it, no later marker has one either. Linear time.
    """
    if not isinstance(pred, str):
        return []
    found = [(m.start(), m.end(), m.group(1)) for m in _GSM8K_ANSWER.finditer(pred)]
    starts = [start for start, _, _ in found]
    out, position = [], 0
    while (marker := _MARKER.search(pred, position)) is not None:
        k = bisect.bisect_left(starts, marker.end())
        if k == len(found):
            break
        out.append(found[k][2])
        position = found[k][1]
    return out


def mmlu_predictions(pred: str) -> list[str]:
    """Exactly ``re.findall(r'Answer_\\d+:\\s*.*?answer is \\((.*?)\\)', pred)`` (no DOTALL).

    ``\\s*`` may cross newlines but ``.`` may not, so ``answer is (X)`` counts only on the first
    non-blank line after ``Answer_<n>:``; the capture runs to the first ``)`` on that line. A
    marker without one is skipped and the search goes on from the next. Linear time.
    """
    if not isinstance(pred, str):
        return []
    opens = [m.start() for m in _MMLU_OPEN.finditer(pred)]
    closes = [i for i, ch in enumerate(pred) if ch == ")"]
    newlines = [i for i, ch in enumerate(pred) if ch == "\n"]
    width = len("answer is (")
    out, position = [], 0
    while (marker := _MARKER.search(pred, position)) is not None:
        line_start = marker.end()
        while line_start < len(pred) and pred[line_start].isspace():  # \s* (greedy)
            line_start += 1
        n = bisect.bisect_left(newlines, line_start)
        line_end = newlines[n] if n < len(newlines) else len(pred)
        k = bisect.bisect_left(opens, line_start)
        if k < len(opens) and opens[k] < line_end:
            inner = opens[k] + width
            c = bisect.bisect_left(closes, inner)
            if c < len(closes) and closes[c] < line_end:
                out.append(pred[inner : closes[c]])
                position = closes[c] + 1
                continue
        position = marker.end()
    return out


def acbench_score(pred: Any, golds: Sequence[str | None], benchmark: str) -> dict[str, float]:
    """Upstream's per-prompt accuracy: predictions and golds paired by list position."""
    if not golds:
        return {"score": 0.0, "answered": 0.0}
    extract = gsm8k_predictions if benchmark == "gsm8k" else mmlu_predictions
    predicted = extract(pred) if isinstance(pred, str) else []
    correct = sum(g is not None and g == p for g, p in zip(golds, predicted, strict=False))
    return {
        "score": correct / len(golds),
        "answered": min(len(predicted), len(golds)) / len(golds),
    }


# ----------------------------------------------------------------------------- clean prompts
INSTRUCTION = (
    "Answer every question below, in order, one after the other. Start the answer to question "
    '<n> with "Answer_<n>:", reason step by step, and end it with "The answer is <x>.", '
    "where <x> is {form}. The questions numbered {first_shot} to {last_shot} are answered as "
    "examples; answer the questions {first} to {last}."
)
GENERATION_MARGIN = 8  # tokens kept free when capping max_gen_toks to the model length
_FORM = {"gsm8k": "a number", "mmlu": "the letter of the correct option, such as (A)"}


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


def build_prompt(doc: Mapping[str, Any]) -> str:
    """clean: instruction, the worked examples as numbered questions and answers, the block."""
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


# ----------------------------------------------------------------------------- clean scoring
_MARKER_RE = re.compile(r"Answer_(\d+)\s*:")
#: Written so that no two quantifiers compete for the same whitespace (linear time).
_ANSWER_RE = {
    "gsm8k": re.compile(r"answer is\s*(?::\s*)?(?:\$\s*)?(-?[\d,]*\.?\d+)", re.IGNORECASE),
    "mmlu": re.compile(r"answer is\s*(?::\s*)?\(?([A-D])\b\)?", re.IGNORECASE),
}
_MAX_NUMBER_DIGITS = 9  # question numbers and answers longer than this are not read


def extract_answers(generation: Any, benchmark: str) -> dict[int, str]:
    """clean: question number → the last ``The answer is <x>`` in its ``Answer_<n>:`` section.

    The first section for a number counts; sections without a readable answer are left out.
    """
    if not isinstance(generation, str):
        return {}
    markers = list(_MARKER_RE.finditer(generation))
    answers: dict[int, str] = {}
    for index, marker in enumerate(markers):
        if len(marker.group(1)) > _MAX_NUMBER_DIGITS:
            continue
        number = int(marker.group(1))
        if number in answers:
            continue
        end = markers[index + 1].start() if index + 1 < len(markers) else len(generation)
        found = _ANSWER_RE[benchmark].findall(generation[marker.end() : end])
        if found:
            answers[number] = found[-1]
    return answers


def same_answer(predicted: str, gold: str, benchmark: str) -> bool:
    """clean: numbers compare as numbers (commas ignored); letters case-insensitively."""
    if benchmark == "mmlu":
        return predicted.strip().upper() == gold.strip().upper()
    a, b = predicted.replace(",", ""), gold.replace(",", "")
    if max(len(a), len(b)) > 40:
        return False
    try:
        return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-6)
    except ValueError:
        return False


def score_generation(
    generation: Any, golds: Sequence[str], first_number: int, benchmark: str
) -> dict[str, float]:
    """clean: ``score`` = share answered correctly at their position; ``answered``."""
    if not golds:
        return {"score": 0.0, "answered": 0.0}
    answers = extract_answers(generation, benchmark)
    correct = answered = 0
    for k, gold in enumerate(golds):
        predicted = answers.get(first_number + k)
        if predicted is not None:
            answered += 1
            correct += gold is not None and same_answer(predicted, gold, benchmark)
    return {"score": correct / len(golds), "answered": answered / len(golds)}


def clean_gsm8k_gold(answer: str) -> str:
    """clean: the number after the last ``####`` of a GSM8K solution, commas removed."""
    if "####" not in answer:
        raise ValueError("no '#### <number>' in 'answer'")
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


# ----------------------------------------------------------------------------- data
def _read_records(benchmark: str, metadata: Mapping[str, Any]) -> tuple[list[Any], dict]:
    """Hub-format records (openai/gsm8k, cais/mmlu) and their provenance."""
    source = resolve_source(DATA[benchmark], metadata)
    if source.kind == "sample":
        from acbench_tasks.longgenbench.samples import sample_records

        record = dataclasses.replace(source.provenance(), files=(f"generated {benchmark}",))
        info = {"data_source": f"sample: generated {benchmark}"}
        return sample_records(benchmark), {**info, **provenance_fields(data=[record])}
    path = source.fetch(_FILES[benchmark])
    record = source.provenance()
    info = {
        "data_source": record.describe() + f" ({path.name})",
        **provenance_fields(data=[record]),
    }
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist(), info
    try:
        with open(path, encoding="utf-8") as handle:
            return read_jsonl(handle, str(path)), info
    except UnicodeDecodeError as err:
        raise DataSourceError(f"LongGenBench: {path} is not UTF-8 ({err})") from None


def _question(record: Mapping[str, Any], benchmark: str) -> tuple[str, str, str]:
    """clean: (question text, gold, subject) of a record; raises ValueError on missing fields."""
    if not isinstance(record.get("question"), str):
        raise ValueError("no 'question' text")
    if benchmark == "gsm8k":
        if not isinstance(record.get("answer"), str):
            raise ValueError("no 'answer' text")
        return record["question"].strip(), clean_gsm8k_gold(record["answer"]), ""
    choices, answer = record.get("choices"), record.get("answer")
    if not isinstance(choices, Sequence) or isinstance(choices, str) or len(choices) != 4:
        raise ValueError("'choices' must list 4 options")
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < 4:
        raise ValueError("'answer' must be an option index 0-3")
    subject = str(record.get("subject") or "")
    return format_mmlu_question(record["question"], choices), LETTERS[answer], subject


def make_blocks(
    records: Sequence[Mapping[str, Any]], benchmark: str, k: int
) -> list[dict[str, Any]]:
    """clean: GSM8K in consecutive blocks of k (the tail too); MMLU the first k per subject."""
    items = convert_records(
        records, lambda record: _question(record, benchmark), f"LongGenBench-{benchmark}"
    )
    if benchmark == "gsm8k":
        groups = [("", items[i : i + k]) for i in range(0, len(items), k)]
        first = len(gsm8k_examples()) + 1
    else:
        by_subject: dict[str, list[tuple[str, str, str]]] = {}
        for item in items:
            by_subject.setdefault(item[2], []).append(item)
        groups = [(subject, rows[:k]) for subject, rows in by_subject.items()]
    docs = []
    for index, (subject, rows) in enumerate(groups):
        if benchmark == "mmlu":
            first = len(mmlu_examples(subject)[1]) + 1
        docs.append(
            {
                "benchmark": benchmark,
                "block": index,
                "subject": subject,
                "prompt": "",
                "questions": [q for q, _, _ in rows],
                "golds": [g for _, g, _ in rows],
                "first_number": first,
            }
        )
    return docs


def _gsm8k_record(record: Mapping[str, Any]) -> tuple[str, str]:
    if not isinstance(record.get("question"), str) or not isinstance(record.get("answer"), str):
        raise ValueError("'question' and 'answer' must be text")
    return record["question"], record["answer"]


def acbench_gsm8k_blocks(
    records: Sequence[Mapping[str, Any]], demos: str, k: int
) -> list[dict[str, Any]]:
    """acbench: full blocks of k questions in test order (the shorter tail is not run)."""
    items = convert_records(records, _gsm8k_record, "LongGenBench-gsm8k")
    docs = []
    for index, start in enumerate(range(0, len(items) - k + 1, k)):
        block = items[start : start + k]
        questions = [q for q, _ in block]
        docs.append(
            {
                "benchmark": "gsm8k",
                "block": index,
                "subject": "",
                "prompt": gsm8k_prompt(demos, questions, ACBENCH_FIRST_NUMBER["gsm8k"]),
                "questions": questions,
                "golds": [gsm8k_gold(a) for _, a in block],
                "first_number": ACBENCH_FIRST_NUMBER["gsm8k"],
            }
        )
    return docs


def acbench_mmlu_blocks(
    read: Reader, subjects: Sequence[str], k: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """acbench: one prompt per subject from LongGenBench's CSVs and demos; files read."""
    demos_file = read(LONGGENBENCH_REPO, MMLU_PROMPT_FILE)
    try:
        demo_texts = json.loads(demos_file.text)
    except json.JSONDecodeError as err:
        raise DataSourceError(f"{demos_file.origin} is not valid JSON ({err})") from None
    files = {MMLU_PROMPT_FILE: demos_file.sha256}
    docs = []
    for index, subject in enumerate(subjects):
        if not isinstance(demo_texts.get(subject), str):
            raise DataSourceError(f"{demos_file.origin} has no demos for {subject!r}")
        path = MMLU_TEST_FILE.format(subject=subject)
        csv_file = read(LONGGENBENCH_REPO, path)
        files[path] = csv_file.sha256
        pieces, letters = mmlu_csv_pieces(csv_file.text, csv_file.origin)
        questions = pieces[:k]
        docs.append(
            {
                "benchmark": "mmlu",
                "block": index,
                "subject": subject,
                "prompt": mmlu_prompt(
                    mmlu_demos(demo_texts[subject]), questions, ACBENCH_FIRST_NUMBER["mmlu"]
                ),
                "questions": questions,
                "golds": [g if isinstance(g, str) else None for g in letters[:k]],
                "first_number": ACBENCH_FIRST_NUMBER["mmlu"],
            }
        )
    return docs, files


def _questions_per_prompt(benchmark: str, metadata: Mapping[str, Any]) -> int:
    k = int(metadata.get("questions_per_prompt") or DEFAULT_K[benchmark])
    if k <= 0:
        raise ValueError(f"questions_per_prompt must be positive, not {k}")
    return k


def load_documents(
    benchmark: str, metadata: Mapping[str, Any], protocol: str = "acbench"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One document per packed prompt, and the provenance for the results metadata."""
    if benchmark not in BENCHMARKS:
        raise DataSourceError(f"unknown LongGenBench variant {benchmark!r}; use gsm8k or mmlu")
    k = _questions_per_prompt(benchmark, metadata)
    info: dict[str, Any] = {"questions_per_prompt": k}
    if protocol == "clean":
        records, source = _read_records(benchmark, metadata)
        return make_blocks(records, benchmark, k), {**info, **source}
    base_read = upstream_reader(metadata)
    texts: list[Provenance] = []

    def read(repo: PinnedRepo, path: str) -> UpstreamText:
        text = base_read(repo, path)
        if text.provenance is not None:
            texts.append(text.provenance)
        return text

    sample = resolve_source(DATA[benchmark], metadata).kind == "sample"
    if benchmark == "gsm8k":
        records, source = _read_records("gsm8k", metadata)
        demos = read(LONGGENBENCH_REPO, GSM8K_PROMPT_FILE)
        docs = acbench_gsm8k_blocks(records, demos.text, k)
        files = {GSM8K_PROMPT_FILE: demos.sha256}
        origin = demos.origin
        merge_provenance(source, provenance_fields(upstream=texts))
    else:
        from acbench_tasks.longgenbench.samples import MMLU_SUBJECTS as SAMPLE_SUBJECTS

        docs, files = acbench_mmlu_blocks(read, SAMPLE_SUBJECTS if sample else MMLU_SUBJECTS, k)
        # the questions are LongGenBench's MMLU CSVs; the demos an upstream text
        csvs = [t for t in texts if t.files and t.files[0] != MMLU_PROMPT_FILE]
        data = [
            dataclasses.replace(csvs[0], files=tuple(f for t in csvs for f in t.files), sha256=None)
        ]
        demos = [t for t in texts if t.files and t.files[0] == MMLU_PROMPT_FILE]
        source = {
            "data_source": "sample: generated CSVs"
            if sample
            else f"{LONGGENBENCH_REPO.describe()}:data/MMLU/data/test",
            **provenance_fields(data=data, upstream=demos),
        }
        origin = "sample" if sample else LONGGENBENCH_REPO.describe()
    info["upstream"] = {
        "repository": "sample stand-ins" if sample else LONGGENBENCH_REPO.describe(),
        "read_from": origin,
        "sha256": files,
    }
    return docs, {**info, **source}


def load_dataset(longgenbench: str, **metadata: Any) -> Any:
    """The documents as a ``datasets.DatasetDict`` (``test`` split), for use outside lm-eval."""
    import datasets

    from acbench_tasks.common.protocol import task_protocol

    docs, _ = load_documents(longgenbench, metadata, task_protocol(metadata))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


# ----------------------------------------------------------------------------- lm-eval task
class LongGenBenchTask(SinglePromptTask):
    """One packed prompt per document, one long greedy generation, positional scoring.

    When the evaluated model's tokenizer is known, each request's ``max_gen_toks`` is capped so
    that prompt + answer fit the model's length: lm-eval would otherwise cut the prompt from the
    left to make room (vLLM, which ACBench used, stops the generation at the window instead).
    """

    @classmethod
    def protocol_generation(cls, config: Mapping[str, Any], protocol: str) -> dict | None:
        name = (config.get("dataset_kwargs") or {}).get("longgenbench")
        if name not in BENCHMARKS:
            return None
        settings = {"until": [], "do_sample": False, "temperature": 0.0}
        if protocol == "acbench":
            return {
                **settings,
                "max_gen_toks": ACBENCH_MAX_GEN_TOKS[name],
                "repetition_penalty": 1.0,
            }
        return {**settings, "max_gen_toks": ACBENCH_MAX_GEN_TOKS[name]}

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        name = str(options.get("longgenbench"))
        docs, info = load_documents(name, options, self.protocol)
        if self.protocol == "acbench":
            texts: list[Provenance] = []
            self.system_prompts, info["system_prompt_source"] = system_prompts(options, texts)
            merge_provenance(info, provenance_fields(upstream=texts))
        return docs, info

    def embedded_examples(self) -> int:
        """The worked examples before the questions: 8 (GSM8K) or 5 (MMLU); the questions are
        numbered from the next number (``first_number``)."""
        docs = self.dataset["test"] if self.dataset is not None else []
        return int(docs[0]["first_number"]) - 1 if len(docs) else 0

    def paper_comparable(self) -> bool:
        name = (self.config.dataset_kwargs or {}).get("longgenbench")
        return (
            self.protocol == "acbench"
            and int(self.metadata.get("questions_per_prompt", 0)) == DEFAULT_K.get(name)
            and "sample" not in str(self.metadata.get("system_prompt_source"))
        )

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
                    self.record(max_gen_toks_capped_to_window=limit)
                generation["max_gen_toks"] = room
        return request

    def build_prompt(self, doc: dict) -> str:
        if self.protocol == "clean":
            return build_prompt(doc)
        key = model_key(self.metadata)
        prompt, rule = acbench_chat(self.system_prompts[doc["benchmark"]], doc["prompt"], key)
        if self.metadata.get("chat_wrap") != rule:
            self.record(chat_wrap=rule, model_key=key)
        return prompt

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        first = doc["first_number"]
        return "\n".join(
            f"Answer_{first + k}: The answer is {g}."
            if doc["benchmark"] == "gsm8k"
            else f"Answer_{first + k}: The answer is ({g})."
            for k, g in enumerate(doc["golds"])
        )

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        generation = results[0] if results else ""
        if self.protocol == "acbench":
            return acbench_score(generation, doc["golds"], doc["benchmark"])
        return score_generation(generation, doc["golds"], doc["first_number"], doc["benchmark"])


register_mean_metrics(["score", "answered"])
