"""LongBench v1 scorers: upstream's ``metrics.py`` as ACBench ran it, and the ``clean`` variants.

Upstream (``acbench`` protocol), through the packages upstream used:

* ``qa_f1_score``: lower-case, drop ASCII punctuation, replace the articles a/an/the with a
  space, collapse whitespace; token-multiset F1.
* ``qa_f1_zh_score``: ``jieba.cut`` (precise mode) on the raw texts, each token lower-cased and
  stripped of ASCII and CJK punctuation and whitespace, empty tokens dropped; F1.
* ``rouge_score``: ``rouge`` 1.0.1, ``Rouge().get_scores([pred], [gold], avg=True)``, ROUGE-L
  F (summary level: sentences split on ``.``, whitespace tokens, case-sensitive); any
  exception (an empty prediction, a sentence too long for its recursive LCS) scores 0.
* ``rouge_zh_score``: both texts as ``jieba`` tokens joined by spaces, then ``rouge_score``.
* ``classification_score``: the classes found in the prediction as substrings; matches that are
  substrings of (but not equal to) the gold are removed while iterating over that same list, so
  the match after a removed one is skipped (upstream's quirk, kept); 1/len if the gold remains.
* ``retrieval_score`` / ``retrieval_zh_score``: the gold id is the first ``Paragraph (\\d+)`` /
  ``段落(\\d+)``; the share of the prediction's numbers equal to it (0 without numbers).
* ``count_score``: the share of the prediction's numbers equal to the gold string.
* ``code_sim_score``: the first line (after ``lstrip('\\n')``) without any of `` ` ``, ``#``,
  ``//`` (else ""); ``fuzzywuzzy.fuzz.ratio / 100`` — difflib's SequenceMatcher, or
  python-Levenshtein when that is installed (:func:`code_sim_backend` says which; the results
  metadata records it).

Divergences, all outside what upstream's generation lengths produce: predictions are cut to
:data:`MAX_PREDICTION_CHARS` before scoring (512 new tokens stay far below), and the ROUGE
package runs in a worker thread so that its recursion depth, and with it the point where long
sentences fail, does not depend on how deep in lm-eval the scorer is called (upstream's own
script called it from a shallow stack, under Python's default recursion limit of 1000).

``clean`` protocol: ROUGE-L with ``rouge-score`` on lower-cased unicode word tokens (``jieba``
tokens for Chinese) and lm-eval's copies of the other metric functions.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import re
import string
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

#: Predictions are cut to this many characters before scoring (bounds the quadratic metrics).
MAX_PREDICTION_CHARS = 8192
#: Upstream's CJK punctuation for ``normalize_zh_answer`` (plus ASCII ``string.punctuation``).
CN_PUNCTUATION = "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏."  # noqa: E501
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ALL_PUNCTUATION = frozenset(string.punctuation + CN_PUNCTUATION)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_NUMBER = re.compile(r"\d+")
_PARAGRAPH = re.compile(r"Paragraph (\d+)")
_PARAGRAPH_ZH = re.compile(r"段落(\d+)")

Scorer = Callable[..., float]


# ----------------------------------------------------------------------------- packages
@functools.cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at DEBUG to stderr
    return jieba


def jieba_tokens(text: str) -> list[str]:
    """``jieba.cut(text, cut_all=False)`` as a list."""
    return list(_jieba().cut(text, cut_all=False))


@functools.cache
def _fuzz() -> Any:
    with warnings.catch_warnings():  # "Using slow pure-python SequenceMatcher"
        warnings.simplefilter("ignore")
        from fuzzywuzzy import fuzz
    return fuzz


def code_sim_backend() -> str:
    """Which matcher ``fuzzywuzzy`` uses here: ``difflib`` or ``python-Levenshtein``."""
    module = getattr(_fuzz(), "SequenceMatcher", None)
    return "difflib" if getattr(module, "__module__", "") == "difflib" else "python-Levenshtein"


@functools.cache
def _rouge_worker() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lb-rouge")


def _rouge_l_f(prediction: str, reference: str) -> float:
    from rouge import Rouge

    return float(Rouge().get_scores([prediction], [reference], avg=True)["rouge-l"]["f"])


# ----------------------------------------------------------------------------- upstream
def normalize_answer(text: str) -> str:
    """Lower-case, drop ASCII punctuation, articles → space, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _ASCII_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def normalize_zh_answer(text: str) -> str:
    """Lower-case, drop ASCII and CJK punctuation, remove whitespace."""
    return "".join("".join(ch for ch in text.lower() if ch not in _ALL_PUNCTUATION).split())


def token_f1(prediction: Sequence[str], reference: Sequence[str]) -> float:
    """F1 of two token multisets (0 when they share nothing)."""
    same = sum((Counter(prediction) & Counter(reference)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(prediction), same / len(reference)
    return 2 * precision * recall / (precision + recall)


def qa_f1_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return token_f1(normalize_answer(prediction).split(), normalize_answer(ground_truth).split())


def qa_f1_zh_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    def tokens(text: str) -> list[str]:
        return [t for t in (normalize_zh_answer(w) for w in jieba_tokens(text)) if t]

    return token_f1(tokens(prediction), tokens(ground_truth))


def rouge_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    """ROUGE-L F of the ``rouge`` package; any exception scores 0 (upstream's bare except)."""
    try:
        return _rouge_worker().submit(_rouge_l_f, prediction, ground_truth).result()
    except Exception:  # ValueError("Hypothesis is empty."), RecursionError, ...
        return 0.0


def rouge_zh_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return rouge_score(" ".join(jieba_tokens(prediction)), " ".join(jieba_tokens(ground_truth)))


def classification_score(
    prediction: str, ground_truth: str, all_classes: Sequence[str] = (), **kwargs: Any
) -> float:
    matches = [name for name in all_classes if name in prediction]
    for match in matches:  # removing while iterating skips the next item: upstream's quirk
        if match in ground_truth and match != ground_truth:
            matches.remove(match)
    return 1.0 / len(matches) if ground_truth in matches else 0.0


def _share_equal(prediction: str, target: str) -> float:
    numbers = _NUMBER.findall(prediction)
    return sum(n == target for n in numbers) / len(numbers) if numbers else 0.0


def retrieval_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return _share_equal(prediction, _PARAGRAPH.findall(ground_truth)[0])


def retrieval_zh_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return _share_equal(prediction, _PARAGRAPH_ZH.findall(ground_truth)[0])


def count_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return _share_equal(prediction, str(ground_truth))


def first_code_line(prediction: str) -> str:
    """The first line without a backtick, ``#`` or ``//`` (upstream's code_sim rule)."""
    for line in prediction.lstrip("\n").split("\n"):
        if "`" not in line and "#" not in line and "//" not in line:
            return line
    return ""


def code_sim_score(prediction: str, ground_truth: str, **kwargs: Any) -> float:
    return _fuzz().ratio(first_code_line(prediction), ground_truth) / 100


UPSTREAM: dict[str, Scorer] = {
    "qa_f1_score": qa_f1_score,
    "qa_f1_zh_score": qa_f1_zh_score,
    "rouge_score": rouge_score,
    "rouge_zh_score": rouge_zh_score,
    "classification_score": classification_score,
    "retrieval_score": retrieval_score,
    "retrieval_zh_score": retrieval_zh_score,
    "count_score": count_score,
    "code_sim_score": code_sim_score,
}


# ----------------------------------------------------------------------------- clean
class _WordTokenizer:
    """Lower-cased unicode word tokens (rouge-score's default tokenizer drops non-ASCII)."""

    def tokenize(self, text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())


class _SpaceTokenizer:
    def tokenize(self, text: str) -> list[str]:
        return text.lower().split()


@functools.cache
def _rouge_scorer(chinese: bool) -> Any:
    from rouge_score import rouge_scorer

    tokenizer = _SpaceTokenizer() if chinese else _WordTokenizer()
    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=tokenizer)


def rouge_l(prediction: str, reference: str, **kwargs: Any) -> float:
    """ROUGE-L F-measure (``rouge-score``) on unicode word tokens; 0 when either is empty."""
    if not prediction.strip() or not reference.strip():
        return 0.0
    return float(_rouge_scorer(False).score(reference, prediction)["rougeL"].fmeasure)


def rouge_l_zh(prediction: str, reference: str, **kwargs: Any) -> float:
    """ROUGE-L F-measure (``rouge-score``) on ``jieba`` tokens; 0 when either is empty."""
    hyp, ref = " ".join(jieba_tokens(prediction)), " ".join(jieba_tokens(reference))
    if not hyp.strip() or not ref.strip():
        return 0.0
    return float(_rouge_scorer(True).score(ref, hyp)["rougeL"].fmeasure)


@functools.cache
def lm_eval_metrics() -> Any:
    """lm-eval's ``longbench/metrics.py`` (it needs jieba, fuzzywuzzy and rouge installed)."""
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module("lm_eval.tasks.longbench.metrics")


def clean_scorer(metric: str) -> Scorer:
    """The ``clean`` protocol's scorer for an upstream metric name."""
    if metric == "rouge_score":
        return rouge_l
    if metric == "rouge_zh_score":
        return rouge_l_zh
    if metric not in UPSTREAM:
        raise KeyError(f"unknown LongBench metric {metric!r}")
    return getattr(lm_eval_metrics(), metric)
