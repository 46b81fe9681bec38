"""LongBench v1, all 21 subsets, as ACBench ran them (``acbench``) or corrected (``clean``).

What ACBench ran (LongBench's ``pred.py``/``eval.py`` in ACBench's ``thirdpartys/LongBenchv1``):

* prompt = upstream's ``dataset2prompt[subset].format(**record)``; greedy decoding, upstream's
  ``dataset2maxlen`` new tokens, no stop string (LongBench's newline stop is not used);
* the prompt is measured with ``tokenizer.encode`` and, when longer than ``max_length``, cut in
  the middle (:func:`~acbench_tasks.common.long_context.upstream_middle_truncate`);
  ``max_length`` is LongBench's per-model ``model2maxlen`` (ACBench's values are not public):
  ``--metadata '{"max_input_tokens": N}'``, else LongBench's convention for a window of k×1024
  tokens, k×1000 − 500 (31,500 for 32k models);
* then, except for trec, triviaqa, samsum, lsht, lcc and repobench-p, the chat wrapping
  ACBench's ``build_chat`` chose by the model key (:func:`acbench_chat`; lm-eval's
  ``--apply_chat_template`` is not used), and its post-processing of the answer;
* scores: :mod:`acbench_tasks.longbench.metrics` (upstream's metrics through ``rouge``,
  ``jieba`` and ``fuzzywuzzy``), first line only for trec, triviaqa, samsum and lsht, best over
  the reference answers; a subset's paper number is ``round(100 × score, 2)``.

``clean`` keeps the same prompts and first-line rule but uses lm-eval's chat template
(``--apply_chat_template``, not for the six subsets above), stops the four few-shot subsets at a
newline, cuts over-long prompts in the middle until they fit the model with its answer, and
scores ROUGE-L with ``rouge-score`` (see the metrics module).

Prompts are read at run time: lm-eval's installed copies of LongBench's prompts differ from
upstream's ``dataset2prompt.json`` (THUDM/LongBench @ 2e00731) in exactly six places (the
``\\n\\n`` before the question of triviaqa and samsum, the trailing space of passage_count and
passage_retrieval_en, the final newline of lcc and repobench-p). They are restored and each of
the 21 templates is checked against the SHA-256 of upstream's text; if any differs (another
lm-eval version), upstream's file is read instead (cache or download, :mod:`.upstream`), and a
user's checkout named by ``longbench_repo`` always wins.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSource,
    DataSourceError,
    Provenance,
    merge_provenance,
    package_version,
    provenance_fields,
    resolve_source,
)
from acbench_tasks.common.long_context import (
    known_window,
    middle_truncate,
    model_key,
    prompt_budget,
    upstream_middle_truncate,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.prompt_task import SinglePromptTask
from acbench_tasks.common.records import convert_records, read_jsonl
from acbench_tasks.common.upstream import PinnedRepo, UpstreamUnavailableError, read_upstream
from acbench_tasks.longbench.metrics import (
    MAX_PREDICTION_CHARS,
    UPSTREAM,
    clean_scorer,
    code_sim_backend,
)

logger = logging.getLogger(__name__)

#: LongBench v1's 21 subsets, in upstream's order (``pred.py``).
SUBSETS: tuple[str, ...] = (
    "narrativeqa",
    "qasper",
    "multifieldqa_en",
    "multifieldqa_zh",
    "hotpotqa",
    "2wikimqa",
    "musique",
    "dureader",
    "gov_report",
    "qmsum",
    "multi_news",
    "vcsum",
    "trec",
    "triviaqa",
    "samsum",
    "lsht",
    "passage_count",
    "passage_retrieval_en",
    "passage_retrieval_zh",
    "lcc",
    "repobench-p",
)
CHINESE_SUBSETS = frozenset(
    {"multifieldqa_zh", "dureader", "vcsum", "lsht", "passage_retrieval_zh"}
)
ENGLISH_SUBSETS: tuple[str, ...] = tuple(s for s in SUBSETS if s not in CHINESE_SUBSETS)
#: LongBench's six task categories (its paper's grouping; the lm-eval groups follow it).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "single_doc_qa": ("narrativeqa", "qasper", "multifieldqa_en", "multifieldqa_zh"),
    "multi_doc_qa": ("hotpotqa", "2wikimqa", "musique", "dureader"),
    "summarization": ("gov_report", "qmsum", "multi_news", "vcsum"),
    "few_shot": ("trec", "triviaqa", "samsum", "lsht"),
    "synthetic": ("passage_count", "passage_retrieval_en", "passage_retrieval_zh"),
    "code": ("lcc", "repobench-p"),
}
#: Fed without chat wrapping (upstream ``pred.py``).
NO_CHAT_SUBSETS = frozenset({"trec", "triviaqa", "samsum", "lsht", "lcc", "repobench-p"})
#: Scored on the first line of the answer only (upstream ``eval.py``).
FIRST_LINE_SUBSETS = frozenset({"trec", "triviaqa", "samsum", "lsht"})
#: Upstream ``dataset2metric``.
METRIC_OF: dict[str, str] = {
    **dict.fromkeys(
        ("narrativeqa", "qasper", "multifieldqa_en", "hotpotqa", "2wikimqa", "musique"),
        "qa_f1_score",
    ),
    "triviaqa": "qa_f1_score",
    "multifieldqa_zh": "qa_f1_zh_score",
    **dict.fromkeys(("dureader", "vcsum"), "rouge_zh_score"),
    **dict.fromkeys(("gov_report", "qmsum", "multi_news", "samsum"), "rouge_score"),
    **dict.fromkeys(("trec", "lsht"), "classification_score"),
    "passage_retrieval_en": "retrieval_score",
    "passage_retrieval_zh": "retrieval_zh_score",
    "passage_count": "count_score",
    **dict.fromkeys(("lcc", "repobench-p"), "code_sim_score"),
}
#: Upstream ``dataset2maxlen.json`` (new tokens per subset).
DATASET2MAXLEN: dict[str, int] = {
    **dict.fromkeys(("narrativeqa", "qasper", "dureader", "samsum"), 128),
    **dict.fromkeys(
        ("multifieldqa_en", "multifieldqa_zh", "trec", "lsht", "lcc", "repobench-p"), 64
    ),
    **dict.fromkeys(
        (
            "hotpotqa",
            "2wikimqa",
            "musique",
            "triviaqa",
            "passage_count",
            "passage_retrieval_en",
            "passage_retrieval_zh",
        ),
        32,
    ),
    **dict.fromkeys(("gov_report", "qmsum", "multi_news", "vcsum"), 512),
}
METRICS: tuple[str, ...] = ("score", "score_en", *sorted(set(METRIC_OF.values())))
register_mean_metrics(METRICS)

# ----------------------------------------------------------------------------- upstream texts
LONGBENCH_REPO = PinnedRepo(
    github="THUDM/LongBench",
    commit="2e00731f8d0bff23dc4325161044d0ed8af94c1e",
    copy_key="longbench_repo",
)
PROMPT_FILE = "LongBench/config/dataset2prompt.json"
#: SHA-256 of each template of upstream's ``dataset2prompt.json`` at the pinned commit (UTF-8).
PROMPT_SHA256: dict[str, str] = {
    "narrativeqa": "aada7ed24b06abace5b0045ac3bcfe06fc831a6cf434f0ecfd99fb7b3d299e1c",
    "qasper": "0fbdd123fe7f83d6d6a9c583ca28cb29d68e523bf8fec01a0cf2dcd11037775d",
    "multifieldqa_en": "20b4666a2de8a1f701bdb6c4e015fa9f8758d64b361d841f7766df6c9ceba770",
    "multifieldqa_zh": "344b3a4e557cd5470c661b3d6b374339717e1257a6c01f628d22322d4a554b94",
    "hotpotqa": "9ec4ae308865bd0c62af20b3dc7b12b31f2b447f55684bd88c1aa40f2f636deb",
    "2wikimqa": "9ec4ae308865bd0c62af20b3dc7b12b31f2b447f55684bd88c1aa40f2f636deb",
    "musique": "9ec4ae308865bd0c62af20b3dc7b12b31f2b447f55684bd88c1aa40f2f636deb",
    "dureader": "ae53329f51b17908e08b8c6bf366987282b8b38c0ee35275ebd7b79e9b30eff2",
    "gov_report": "91c25d585b189ced91c9280efcb4ecb5dcff9548cd4e3bfae66c68025b569e95",
    "qmsum": "dca23b678fe0183bbd9555b57947022aed1b85739da5ad7e1b4708dd0c71c409",
    "multi_news": "2af3f28c40b902e6535d4910510d51653613c49de9b2fc287c5958395061101d",
    "vcsum": "3e5d8241bc9b512eb4929c1ba80882a44f50b446bc2b1d9d79eff030dd10dc27",
    "trec": "0eff8bebdba99d91e9d7d91b6ab39455ac74648bea92c9255c9f68c62175b2db",
    "triviaqa": "00a802e6377e72fca39b169cf6c28893bedf23ba7286b03ecd15867c3e27a7c4",
    "samsum": "a68d884234907eefcaa0eacf7b2997f60fa46603988dceae6a44f9b49f045b3f",
    "lsht": "f3edabdf7fae53d6cadfa7a10f3574d114302161c46dacecd5d30763204bbbf3",
    "passage_count": "986550b6c61009c629a4535766d94b7b51e2b2b9e1ed169e4ecb54417466e964",
    "passage_retrieval_en": "39b96b7fa52bdd2aa2bde34ea199158505201b9a0a2c3ce94e80249293f60431",
    "passage_retrieval_zh": "c1e2346e245eb365bc33a1503cde2e473948a2aad51c3e4c72893e61ab074d60",
    "lcc": "6a1f24cf0bb83cd90f1fca8f0dd24801626c2aaea29db834ddc83b950e71190e",
    "repobench-p": "ee9ec182ea5ffeb70a7140d55baea97264a8612d88226d323afa90859c36240c",
}

# samples are generated from the essays and texts written for them, see samples.py
DATA = benchmark("longbench").dataset().with_samples(Path(__file__).parent)
_PARAGRAPH_RE = re.compile(r"Paragraph (\d+)")
_PARAGRAPH_ZH_RE = re.compile(r"段落(\d+)")


def template_sha256(template: str) -> str:
    return hashlib.sha256(template.encode("utf-8")).hexdigest()


def _lm_eval_template(subset: str) -> str:
    """lm-eval's copy of a subset's prompt, in upstream's ``str.format`` syntax."""
    import lm_eval.tasks
    from lm_eval.tasks._yaml_loader import load_yaml

    path = Path(lm_eval.tasks.__file__).parent / "longbench" / f"{subset}.yaml"
    text = load_yaml(path, resolve_func=False, recursive=False)["doc_to_text"]
    return text.replace("{{context}}", "{context}").replace("{{question}}", "{input}")


def restore_lm_eval_template(subset: str, template: str) -> str:
    """Undo the six known differences of lm-eval's copy from upstream's text."""
    if subset in ("triviaqa", "samsum"):
        return template.replace("{context}\n{input}", "{context}\n\n{input}")
    if subset in ("passage_count", "passage_retrieval_en"):
        return template + " "
    if subset in ("lcc", "repobench-p"):
        return template + "\n"
    return template


@functools.cache
def _restored_lm_eval_templates() -> dict[str, str] | None:
    """lm-eval's prompts, restored, if all 21 equal upstream's (by SHA-256); else None."""
    try:
        templates = {s: restore_lm_eval_template(s, _lm_eval_template(s)) for s in SUBSETS}
    except (OSError, KeyError, TypeError):
        return None
    if any(template_sha256(templates[s]) != PROMPT_SHA256[s] for s in SUBSETS):
        return None
    return templates


def prompt_templates(metadata: Mapping[str, Any] | None = None) -> tuple[dict[str, str], dict]:
    """The 21 prompt templates and where they came from (for the results metadata)."""
    metadata = metadata or {}
    restored = None if metadata.get(LONGBENCH_REPO.copy_key) else _restored_lm_eval_templates()
    if restored is not None:
        import lm_eval

        origin = (
            f"lm-eval {getattr(lm_eval, '__version__', '?')} copy, six known differences "
            f"restored, SHA-256 equal to {LONGBENCH_REPO.describe()}:{PROMPT_FILE}"
        )
        record = Provenance(
            "package", "lm-eval", package_version("lm_eval"), ("lm_eval/tasks/longbench",)
        )
        info = {"prompt_source": origin, "prompts_match_upstream": True}
        return restored, {**info, **provenance_fields(upstream=[record])}
    text = read_upstream(LONGBENCH_REPO, PROMPT_FILE, metadata)
    try:
        table = json.loads(text.text)
    except json.JSONDecodeError as err:
        raise UpstreamUnavailableError(f"{text.origin} is not valid JSON ({err})") from None
    missing = [s for s in SUBSETS if not isinstance(table.get(s), str)]
    if missing:
        raise UpstreamUnavailableError(f"{text.origin} has no prompt for {', '.join(missing)}")
    templates = {s: table[s] for s in SUBSETS}
    match = all(template_sha256(templates[s]) == PROMPT_SHA256[s] for s in SUBSETS)
    if not match:
        logger.warning("LongBench: the prompts in %s differ from ACBench's", text.origin)
    info = {"prompt_source": text.origin, "prompts_match_upstream": match}
    read = [text.provenance] if text.provenance else []
    return templates, {**info, **provenance_fields(upstream=read)}


def fill_prompt(template: str, doc: Mapping[str, Any]) -> str:
    """``template.format(**record)`` as upstream does (the record's text is not parsed)."""
    fields = {
        "context": doc["context"],
        "input": doc["input"],
        "answers": doc["answers"],
        "length": doc.get("length", 0),
        "all_classes": doc.get("all_classes"),
        "dataset": doc["subset"],
        "language": doc.get("language", ""),
        "_id": doc.get("id", ""),
    }
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as err:
        raise DataSourceError(
            f"LongBench {doc['subset']}: the prompt template cannot be filled ({err!r})"
        ) from None


# ----------------------------------------------------------------------------- model rules
def acbench_chat(prompt: str, key: str, tokenizer: Any) -> tuple[str, str]:
    """(wrapped prompt, rule) by ACBench's ``build_chat``, matched on the model key.

    ``qwen`` (any case) → ChatML user turn, no system turn; ``gemma`` (any case) → Gemma's
    turns; ``internlm`` (case-sensitive, so ``InternLM2.5-…`` keys fall through) →
    ``<|User|>:…<eoh>``; ``llama2`` → unchanged; ``xgen`` → its header; ``longchat`` /
    ``vicuna`` → FastChat's vicuna template; otherwise the tokenizer's chat template.
    """
    lower = key.lower()
    if "chatglm" in key:
        raise ValueError(
            "ACBench's LongBench wrapping for ChatGLM keys needs ChatGLM's remote tokenizer "
            "code; name another model_key or use the clean protocol"
        )
    if "longchat" in key or "vicuna" in key:
        system = (
            "A chat between a curious user and an artificial intelligence assistant. The "
            "assistant gives helpful, detailed, and polite answers to the user's questions."
        )
        return f"{system} USER: {prompt} ASSISTANT:", "vicuna"
    if "llama2" in key:
        return prompt, "llama2 (unchanged)"
    if "xgen" in key:
        header = (
            "A chat between a curious human and an artificial intelligence assistant. "
            "The assistant gives helpful, detailed, and polite answers to the human's "
            "questions.\n\n"
        )
        return header + f" ### Human: {prompt}\n###", "xgen"
    if "internlm" in key:
        return f"<|User|>:{prompt}<eoh>\n<|Bot|>:", "internlm"
    if "qwen" in lower:
        return f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", "qwen"
    if "gemma" in lower:
        return f"<start_of_turn>user\n{prompt}<end_of_turn>\n<start_of_turn>model", "gemma"
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": prompt}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return text, "tokenizer chat template"
    logger.warning("LongBench: %r has no chat template; the prompt is sent unwrapped", key)
    return prompt, "none (the tokenizer has no chat template)"


def acbench_post_process(response: str, key: str) -> str:
    """ACBench's ``post_process``: text before ``<|im_end|>`` for qwen keys (stripped), …"""
    if "xgen" in key:
        return response.strip().replace("Assistant:", "")
    if "internlm" in key:
        return response.split("<eoa>")[0]
    if "qwen" in key.lower():
        return response.split("<|im_end|>")[0].strip()
    return response


def longbench_max_length(window: int) -> int:
    """LongBench's ``model2maxlen`` convention: k×1000 − 500 for a window of k×1024 tokens."""
    return max(2, (window // 1024) * 1000 - 500)


def generation_settings(subset: str, protocol: str) -> dict[str, Any]:
    """The decoding of a subset under a protocol (greedy; upstream's lengths)."""
    settings: dict[str, Any] = {
        "max_gen_toks": DATASET2MAXLEN[subset],
        "do_sample": False,
        "temperature": 0.0,
    }
    if protocol == "acbench":
        # vLLM with explicit SamplingParams: no stop string, no repetition penalty (HF would
        # otherwise take one from the model's generation_config, e.g. Qwen2.5's 1.05).
        return {**settings, "until": [], "repetition_penalty": 1.0}
    return {**settings, "until": ["\n"] if subset in FIRST_LINE_SUBSETS else []}


# ----------------------------------------------------------------------------- scoring
def score_prediction(
    subset: str,
    prediction: Any,
    answers: Sequence[str],
    all_classes: Sequence[str] | None = None,
    protocol: str = "acbench",
) -> float:
    """Per-sample score in [0, 1]: the best over the reference answers (upstream's rule).

    A missing or non-string prediction scores 0; trec, triviaqa, samsum and lsht keep the first
    line. A scorer that fails on some input scores that answer 0 (logged), never the run.
    """
    if not isinstance(prediction, str) or not answers:
        return 0.0
    prediction = prediction[:MAX_PREDICTION_CHARS]
    if subset in FIRST_LINE_SUBSETS:
        prediction = prediction.lstrip("\n").split("\n")[0]
    metric = METRIC_OF[subset]
    scorer = UPSTREAM[metric] if protocol == "acbench" else clean_scorer(metric)
    best = 0.0
    for answer in answers:
        try:
            value = float(scorer(prediction, str(answer), all_classes=list(all_classes or [])))
        except Exception as err:  # a scorer must never end the run
            logger.warning("LongBench %s: %s failed (%r); scored 0", subset, metric, err)
            value = 0.0
        best = max(best, value)
    return best


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
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise ValueError("'all_classes' must be a list of strings or null")
    if METRIC_OF[subset] == "classification_score" and not classes:
        raise ValueError("'all_classes' is empty (needed for classification)")
    pattern = {"retrieval_score": _PARAGRAPH_RE, "retrieval_zh_score": _PARAGRAPH_ZH_RE}.get(
        METRIC_OF[subset]
    )
    if pattern is not None and not all(pattern.search(a) for a in answers):
        raise ValueError(f"every answer must name a paragraph ({pattern.pattern})")
    length = record.get("length") or 0
    if isinstance(length, bool) or not isinstance(length, (int, float)) or not 0 <= length < 1e9:
        raise ValueError("'length' must be a non-negative number")
    return {
        "id": str(record.get("_id", "")),
        "subset": subset,
        "input": record["input"],
        "context": record["context"],
        "answers": answers,
        "all_classes": classes,
        "length": int(length),
        "language": str(record.get("language") or ("zh" if subset in CHINESE_SUBSETS else "en")),
    }


def _read_zip_member(path: Path, subset: str) -> list[Any]:
    member = f"data/{subset}.jsonl"
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
            return read_jsonl(io.TextIOWrapper(raw, encoding="utf-8"), f"{path}:{member}")
    except KeyError:
        raise DataSourceError(f"LongBench: {path} has no {member}") from None
    except (zipfile.BadZipFile, UnicodeDecodeError) as err:
        raise DataSourceError(f"LongBench: {path} cannot be read ({err})") from None


def _provenance(source: DataSource, member: str) -> dict[str, Any]:
    """Results-metadata fields of what ``source`` read (``member``: the subset's file in it)."""
    record = source.provenance()
    files = tuple(f"{f}/{member}" if f.endswith(".zip") else f for f in record.files)
    record = dataclasses.replace(record, files=files or (member,))
    where = record.describe()
    return {"data_source": f"{where} ({member})", **provenance_fields(data=[record])}


def load_raw_records(
    subset: str, metadata: Mapping[str, Any] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """Upstream records of one subset (Hub data.zip, a local copy or the samples), provenance."""
    source = resolve_source(DATA, metadata)
    if source.kind == "sample":
        from acbench_tasks.longbench.samples import sample_records

        return sample_records(subset), _provenance(source, f"generated {subset}")
    if source.kind == "hub":
        path = source.fetch("data.zip")
        return _read_zip_member(path, subset), _provenance(source, f"data/{subset}.jsonl")
    try:
        path = source.fetch([f"data/{subset}.jsonl", f"{subset}.jsonl"])
    except DataSourceError:
        path = source.fetch("data.zip")
        return _read_zip_member(path, subset), _provenance(source, f"data/{subset}.jsonl")
    try:
        with open(path, encoding="utf-8") as handle:
            records = read_jsonl(handle, str(path))
    except UnicodeDecodeError as err:
        raise DataSourceError(f"LongBench: {path} is not UTF-8 ({err})") from None
    return records, _provenance(source, path.name)


def load_records(
    subset: str, metadata: Mapping[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Validated records of one subset and their provenance; malformed records stop the run."""
    if subset not in SUBSETS:
        raise DataSourceError(
            f"unknown LongBench subset {subset!r}; ACBench subsets: {', '.join(SUBSETS)}"
        )
    raw, provenance = load_raw_records(subset, metadata)
    docs = convert_records(
        raw, lambda record: record_to_doc(record, subset), f"LongBench {subset}", id_key="_id"
    )
    return docs, provenance


# ----------------------------------------------------------------------------- lm-eval task
class LongBenchTask(SinglePromptTask):
    """One LongBench subset (``dataset_kwargs: {longbench_subset: <name>}``).

    Task metadata: ``protocol`` (acbench | clean), ``max_input_tokens`` (the prompt budget;
    acbench default: LongBench's convention from the model window; clean default: window −
    max_gen_toks − 32), ``model_key`` (the name ACBench's scripts matched, default the model
    name), ``truncate`` (clean only; false: lm-eval's left cut), the data-source keys and
    ``longbench_repo`` (a checkout of THUDM/LongBench for the prompts).
    """

    @classmethod
    def protocol_generation(cls, config: Mapping[str, Any], protocol: str) -> dict | None:
        subset = (config.get("dataset_kwargs") or {}).get("longbench_subset")
        return generation_settings(subset, protocol) if subset in DATASET2MAXLEN else None

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        subset = str(options.get("longbench_subset"))
        docs, provenance = load_records(subset, options)
        templates, prompt_info = prompt_templates(options)
        self.template = templates[subset]
        if self.protocol == "acbench" and METRIC_OF[subset] == "classification_score":
            # eval.py scores every prediction against the all_classes of the file's last line
            for doc in docs:
                doc["all_classes"] = docs[-1]["all_classes"]
        merge_provenance(provenance, prompt_info)
        provenance.update(subset=subset, metric=METRIC_OF[subset])
        if METRIC_OF[subset] == "code_sim_score" and self.protocol == "acbench":
            provenance["code_sim_backend"] = code_sim_backend()
        return docs, provenance

    def paper_comparable(self) -> bool:
        return self.protocol == "acbench" and bool(self.metadata.get("prompts_match_upstream"))

    @functools.cached_property
    def model_key(self) -> str:
        return model_key(self.metadata)

    @functools.cached_property
    def max_input_tokens(self) -> int:
        """The prompt budget in tokens (acbench: LongBench's ``max_length``)."""
        if self.protocol == "clean":
            return prompt_budget(self.metadata, self.max_gen_toks, self.tokenizer)
        if self.metadata.get("max_input_tokens"):
            value, rule = int(self.metadata["max_input_tokens"]), "max_input_tokens"
        else:
            window = known_window(self.metadata, self.tokenizer)
            if window is None:
                raise ValueError(
                    "LongBench: the model's window is unknown; set --metadata "
                    "'{\"max_input_tokens\": N}' (LongBench's model2maxlen, e.g. 31500)"
                )
            value, rule = longbench_max_length(window), f"k*1000-500 of window {window}"
        self.record(max_input_tokens=value, max_input_tokens_rule=rule)
        return value

    def build_prompt(self, doc: dict) -> str:
        prompt = fill_prompt(self.template, doc)
        if self.protocol == "clean":
            if str(self.metadata.get("truncate", True)).lower() in ("false", "0", "no"):
                return prompt
            return middle_truncate(prompt, self.tokenizer, self.max_input_tokens)
        prompt = upstream_middle_truncate(prompt, self.tokenizer, self.max_input_tokens)
        if doc["subset"] in NO_CHAT_SUBSETS:
            return prompt
        wrapped, rule = acbench_chat(prompt, self.model_key, self.tokenizer)
        if self.metadata.get("chat_wrap") != rule:
            self.record(chat_wrap=rule, model_key=self.model_key)
        return wrapped

    def uses_chat_template(self, doc: dict) -> bool:
        return self.protocol == "clean" and doc["subset"] not in NO_CHAT_SUBSETS

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["answers"][0]

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        prediction = results[0] if results else ""
        if self.protocol == "acbench" and isinstance(prediction, str):
            prediction = acbench_post_process(prediction, self.model_key)
        subset = doc["subset"]
        value = score_prediction(
            subset, prediction, doc["answers"], doc["all_classes"], self.protocol
        )
        scores = {"score": value, METRIC_OF[subset]: value}
        if subset not in CHINESE_SUBSETS:
            scores["score_en"] = value
        return scores


# lm-eval warns for every run that the Chinese subsets lack ``score_en`` in the LongBench group
# (by design: it is the English-only mean); drop exactly that message.
class _EnglishMeanWarningFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("Group 'acbench_longbench")
            and "metric 'score_en," in message
            and "is missing in" in message
        )


logging.getLogger("lm_eval.api.group").addFilter(_EnglishMeanWarningFilter())
