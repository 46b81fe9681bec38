"""T-Eval answer parsers and the six dimension scorers (ACBench §1), as pure functions.

Each scorer takes the generation text and the record's gold data and returns per-sample
numbers in [0, 1]. The rules are the "exact upstream rules" of the project spec
(``shared/spec/tasks.md`` §1, checked against the upstream T-Eval evaluators); where the upstream
code reads differently the spec is followed (listed in this folder's README). Model output is
parsed with :func:`ast.literal_eval` and :mod:`json` only, never evaluated.

Embedding-based scores (plan matching, thought similarity) take a ``SentenceEmbedder`` from
:mod:`acbench_tasks.common.embeddings`; plan matching reuses
:func:`acbench_tasks.common.matching.ordered_match_score` (maximum-weight matching + ordered
chain), the same code as WorfBench's node F1.

Every scorer takes any text and returns a score in time linear in its length. Where upstream's
evaluator could not score an answer it scores 0, with the reason in ``note`` (the per-sample
log's ``scoring_error``): a predicted argument that ``str()`` cannot convert (an integer of
more than 4,300 digits), a plan of more than :data:`MAX_PLAN_STEPS` steps. A thought or name
that ``str()`` cannot convert reads as ``""``, as upstream's ``format_load`` does, with a note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from acbench_tasks.common.embeddings import cosine_similarity
from acbench_tasks.common.guard import Unscorable, quiet_literal_eval, safe_str
from acbench_tasks.common.matching import PRF, ZERO, ordered_match_score

FINISH_ACTION = "FinishAction"
PLAN_NAME_WEIGHT = 0.75
PLAN_ARGS_WEIGHT = 0.25
PLAN_MATCH_THRESHOLD = 0.8
#: Upstream divides matched arguments by ``len(gold) + 1e-5`` (a perfect answer gets 0.99999).
ARGS_EPSILON = 1e-5
REVIEW_LETTERS = frozenset("ABCDE")
#: Plans with more steps are scored 0 (512 generated tokens hold a few dozen).
MAX_PLAN_STEPS = 1000

# ``(?<!\w)``: a match can only start at the first character of a word run (one starting inside
# the run would need the same ``.`` after it), so findall gives upstream's ``\w+\.\w+`` matches
# in linear time instead of rescanning each word run from every one of its characters.
_DOTTED_NAME_RE = re.compile(r"(?<!\w)\w+\.\w+")
_FINISH_RE = re.compile(FINISH_ACTION)


class Embedder(Protocol):
    """What the scorers need from :class:`acbench_tasks.common.embeddings.SentenceEmbedder`."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def similarity(embedder: Embedder, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Clipped cosine similarities between two text lists, each list encoded in one call."""
    return cosine_similarity(embedder.encode(left), embedder.encode(right))


# ----------------------------------------------------------------------------- parsing
class ParseError(ValueError):
    """An answer that cannot be read as a Python literal or JSON."""


def load_literal(text: Any, start: str = "", end: str = "") -> Any:
    """Read a Python literal or JSON value out of ``text`` (the spec's parsing rule).

    Non-strings are returned as they are. If the text contains a ```` ```json ```` fence, only
    what follows it is kept and backticks are stripped from both ends. With ``start``/``end``
    the text is cut from the first ``start`` to the last ``end`` (Python's ``find``/``rfind``
    arithmetic, so a missing ``start`` keeps only the last character and a missing ``end``
    leaves nothing). Then ``ast.literal_eval``, else ``json.loads`` (no third attempt: single-
    quoted JSON such as ``{'a': true}`` fails). Raises :class:`ParseError`.
    """
    if not isinstance(text, str):
        return text
    fence = text.find("```json")
    if fence != -1:
        text = text[fence + len("```json") :].strip("`")
    if start:
        text = text[text.find(start) :]
    if end:
        text = text[: text.rfind(end) + len(end)]
    try:
        return quiet_literal_eval(text)
    except Exception:  # any failure falls through to JSON
        pass
    try:
        return json.loads(text)
    except Exception as err:
        raise ParseError(f"not a Python literal or JSON: {text[:60]!r}") from err


def _try_load(text: Any, start: str = "", end: str = "") -> Any:
    try:
        return load_literal(text, start, end)
    except ParseError:
        return None


_MARKER_KEYS = (
    "thought_start",
    "thought_end",
    "action_start",
    "action_end",
    "args_start",
    "args_end",
)


def instruct_string_markers(template: Any) -> tuple[str, ...] | None:
    """The six string-format markers, or ``None`` when the template lacks one of them."""
    if not isinstance(template, Mapping) or not all(
        isinstance(template.get(k), str) for k in _MARKER_KEYS
    ):
        return None
    return tuple(template[k] for k in _MARKER_KEYS)


def match_instruct_string(text: str, markers: Sequence[str]) -> tuple[str, str, str] | None:
    """(thought, action, args) under the spec's string-format pattern, or ``None``.

    One pattern thought_start · text · thought_end action_start · text · action_end args_start
    · text · args_end: nothing between an end marker and the next start marker, markers literal
    and case-sensitive, each text the shortest possible (it may span lines), the args running
    to the end of the answer when ``args_end`` is empty — the groups of
    ``re.search(ts(.*?)te as(.*?)ae gs(.*?)ge, DOTALL)`` with escaped markers (``gs(.*)`` when
    ``ge`` is empty). Computed with ``str.find`` in linear time: the earliest occurrence of each
    marker is always the right choice (a later one leaves less room for the rest), so the match
    starts at the first ``thought_start`` or nowhere — no backtracking on long answers.
    """
    ts, te, as_, ae, gs, ge = markers
    start = text.find(ts)
    if start == -1:
        return None
    thought_from = start + len(ts)
    first, second = te + as_, ae + gs
    first_at = text.find(first, thought_from)
    if first_at == -1:
        return None
    action_from = first_at + len(first)
    second_at = text.find(second, action_from)
    if second_at == -1:
        return None
    args_from = second_at + len(second)
    args_to = text.find(ge, args_from) if ge else len(text)
    if args_to == -1:
        return None
    return text[thought_from:first_at], text[action_from:second_at], text[args_from:args_to]


@dataclass(frozen=True)
class ToolCall:
    """A parsed single tool call: thought text, action name and argument dict."""

    thought: Any
    action: Any
    args: dict


def parse_instruct_json(prediction: str, template: Mapping[str, str]) -> ToolCall | None:
    """JSON-format answer → call, or ``None`` (format check failed).

    The whole answer (after an optional ```` ```json ```` fence) must be one literal: a dict with
    the template's action and args keys (the thought key is optional, ``""`` when missing). An
    args value that is not a dict (also a string holding one) counts as ``{}``.
    """
    data = _try_load(prediction)
    if not isinstance(template, Mapping) or not isinstance(data, Mapping):
        return None
    try:
        action = data[template["action"]]
        args = data[template["args"]]
    except (KeyError, TypeError):  # key missing, or the template key is unhashable
        return None
    try:
        thought = data.get(template.get("thought"), "")
    except TypeError:
        thought = ""
    return ToolCall(thought, action, args if isinstance(args, dict) else {})


def parse_instruct_string(prediction: str, template: Mapping[str, str]) -> ToolCall | None:
    """String-format answer → call, or ``None`` when the markers do not match.

    Args are read with :func:`ast.literal_eval` only (JSON ``true``/``null`` → ``{}``); the
    action name is stripped.
    """
    markers = instruct_string_markers(template)
    if markers is None or not isinstance(prediction, str):
        return None
    groups = match_instruct_string(prediction, markers)
    if groups is None:
        return None
    thought, action, args_text = groups
    try:
        args = quiet_literal_eval(args_text.strip())
    except Exception:
        args = {}
    return ToolCall(thought, action.strip(), args if isinstance(args, dict) else {})


# ----------------------------------------------------------------------------- instruct
@dataclass(frozen=True)
class InstructScore:
    format_ok: float
    args_em: float


def args_exact_match(gold_action: Any, gold_args: Mapping, call: ToolCall) -> float:
    """(1[action matches] + #gold args whose value equals the prediction's) / (#gold args + 1).

    Values are compared with Python ``==`` (so ``5 != "5"``); a missing argument is ``""``.
    """
    hits = float(call.action == gold_action)
    hits += sum(1.0 for key, value in gold_args.items() if call.args.get(key, "") == value)
    return hits / (len(gold_args) + 1)


def score_instruct(
    prediction: str, gold: Mapping[str, Any], template: Any, response_format: str
) -> InstructScore:
    """Format check and argument exact match for one instruct record (``json`` or ``string``)."""
    parse = parse_instruct_json if response_format == "json" else parse_instruct_string
    call = parse(prediction, template)
    if call is None:
        return InstructScore(0.0, 0.0)
    gold_args = gold.get("args") if isinstance(gold.get("args"), Mapping) else {}
    return InstructScore(1.0, args_exact_match(gold.get("action"), gold_args, call))


# ----------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class PlanStep:
    id: int
    name: str
    args: str  # compared as text: str(args) for JSON plans, the whole line for string plans


def normalize_plan(data: Any) -> list[PlanStep]:
    """Plan list → steps; ``[]`` unless every item has ``name``, integer-like ``id``, ``args``."""
    if not isinstance(data, list):
        return []
    steps = []
    for item in data:
        try:
            steps.append(PlanStep(int(item["id"]), str(item["name"]), str(item["args"])))
        except Exception:  # missing key, not a mapping, id not integer-like
            return []
    return steps


def parse_plan_json(prediction: str) -> list[PlanStep]:
    """JSON plan: the text from the first ``[`` to the last ``]``, read as a list of steps."""
    return normalize_plan(_try_load(prediction, "[", "]"))


def parse_plan_str(prediction: str, api_list: Sequence[str]) -> list[PlanStep]:
    """String plan: at most one step per line (split on ``"\\n"`` only).

    A line is a step when it contains an API name from ``api_list`` (case-sensitive); the
    step's name is the first such API in the line (ties at one position, e.g. a name and its
    prefix, go to the API listed first) and its args text is the whole line.
    """
    if not isinstance(prediction, str):
        return []
    steps: list[PlanStep] = []
    for line in prediction.split("\n"):
        best, best_pos = "", None
        for api in api_list:
            pos = line.find(api)
            if pos != -1 and (best_pos is None or pos < best_pos):
                best, best_pos = api, pos
        if best:
            steps.append(PlanStep(len(steps), best, line))
    return steps


@dataclass(frozen=True)
class PlanScore:
    prf: PRF
    parsed: bool
    note: str | None = None


def plan_similarity(pred: Sequence[PlanStep], gold: Sequence[PlanStep], embedder: Embedder):
    """0.75 · cos(name) + 0.25 · cos(args), cosines clipped at 0 (float32, as upstream)."""
    names = similarity(embedder, [s.name for s in pred], [s.name for s in gold])
    args = similarity(embedder, [s.args for s in pred], [s.args for s in gold])
    return names * np.float32(PLAN_NAME_WEIGHT) + args * np.float32(PLAN_ARGS_WEIGHT)


def match_plans(pred: Sequence[PlanStep], gold: Sequence[PlanStep], embedder: Embedder) -> PRF:
    """P/R/F1 of the ordered chain of matched steps; a trailing FinishAction is dropped first."""
    pred = sorted(pred, key=lambda s: s.id)
    gold = sorted(gold, key=lambda s: s.id)
    if pred and pred[-1].name == FINISH_ACTION:
        pred = pred[:-1]
    if gold and gold[-1].name == FINISH_ACTION:
        gold = gold[:-1]
    if not pred or not gold:  # upstream crashes here; scored 0
        return ZERO
    return ordered_match_score(plan_similarity(pred, gold, embedder), PLAN_MATCH_THRESHOLD)


def score_plan(
    prediction: str,
    gold_plan: Any,
    prompt_type: str,
    api_list: Sequence[str],
    embedder: Embedder,
) -> PlanScore:
    """Plan P/R/F1; unparsed (no step, or not a valid step list) scores 0 with parsed False."""
    gold = normalize_plan(gold_plan)
    if prompt_type == "json":
        pred = parse_plan_json(prediction)
    else:
        pred = parse_plan_str(prediction, api_list)
    if not pred or not gold:
        return PlanScore(ZERO, parsed=False)
    if len(pred) > MAX_PLAN_STEPS:
        return PlanScore(
            ZERO, parsed=True, note=f"{len(pred)} steps, more than {MAX_PLAN_STEPS}: not scored"
        )
    return PlanScore(match_plans(pred, gold, embedder), parsed=True)


# ------------------------------------------------------------------ reason, retrieve, understand
@dataclass(frozen=True)
class StepAnswer:
    """A one-step answer as upstream reads it: thought and name as text, args a dict or text."""

    thought: str
    name: str
    args: Any
    note: str | None = None


def read_args(value: Any) -> dict | None:
    """An args value as a dict: a dict as it is, text read like an answer (outermost braces,
    literal, else JSON); ``None`` when that gives no dict."""
    value = _try_load(value, "{", "}")
    return value if isinstance(value, dict) else None


def read_step(data: Any, args_as_text: bool) -> StepAnswer | None:
    """A one-step answer normalised (``None`` unless ``data`` reads as a dict).

    The text is cut to its outermost braces and read as a Python literal, else JSON. Missing
    thought/name become ``""``. String records take ``str(args)``; JSON records read an args
    value that is a string the same way (braces, literal, else JSON) and keep args only when
    they are a dict (else ``{}``). A value that ``str()`` cannot convert reads as ``""`` (as
    upstream's ``try: str(...) except: ""``), and ``note`` says which.
    """
    data = _try_load(data, "{", "}")
    if not isinstance(data, dict):
        return None
    unreadable = []

    def text(key: str) -> str:
        if key not in data:
            return ""
        value = safe_str(data[key])
        if value is None:
            unreadable.append(key)
        return value or ""

    thought, name = text("thought"), text("name")
    if args_as_text:
        args: Any = text("args")
    else:
        args = read_args(data.get("args")) or {}
    note = None
    if unreadable:
        note = (
            f"{' and '.join(unreadable)} cannot be converted to text (an integer of more than "
            "4,300 digits, or nesting too deep): read as '', as upstream does"
        )
    return StepAnswer(thought, name, args, note)


def thought_similarity(predicted: str, gold: str, embedder: Embedder) -> float:
    """Cosine similarity of two texts (both encoded in one call), clipped at 0."""
    vectors = embedder.encode([predicted, gold])
    return float(cosine_similarity(vectors[:1], vectors[1:])[0, 0])


def retrieve_str_correct(prediction: str, gold_name: str) -> float:
    """1 when the gold name appears and every ``word.word`` token and FinishAction equals it."""
    if gold_name not in prediction:
        return 0.0
    found = _DOTTED_NAME_RE.findall(prediction) + _FINISH_RE.findall(prediction)
    return float(all(name == gold_name for name in found))


def understand_str_correct(prediction: str, gold_args: str) -> float:
    """Exact equality after stripping ``'`` then ``"`` from both ends of the answer."""
    return float(gold_args == prediction.strip("'").strip('"'))


def args_match_score(predicted: Mapping, gold: Mapping) -> float:
    """Fraction of gold args matched by ``str()`` value, over ``len(gold) + 1e-5``.

    Empty vs empty is 1; empty gold with predicted args is 0. Raises :class:`Unscorable` for a
    predicted value that ``str()`` cannot convert (upstream's comparison raises there).
    """
    if not gold:
        return 0.0 if predicted else 1.0
    hits = 0
    for key, value in gold.items():
        if key in predicted:
            text = safe_str(predicted[key])
            if text is None:
                raise Unscorable(
                    f"argument {str(key)[:40]!r} cannot be converted to text (an integer of "
                    "more than 4,300 digits, or nesting too deep); upstream's str() raises"
                )
            hits += text == str(value)
    return hits / (len(gold) + ARGS_EPSILON)


@dataclass(frozen=True)
class StepScores:
    """Reason (thought), retrieve (name) and understand (args) scores of one answer."""

    thought: float
    name: float
    args: float
    parsed: bool
    note: str | None = None


UNPARSED_STEP = StepScores(0.0, 0.0, 0.0, parsed=False)


def score_rru_json(prediction: str, gold: Any, embedder: Embedder | None) -> StepScores:
    """All three scores of a reason-retrieve-understand JSON answer.

    ``embedder=None`` skips the thought similarity (0), for retrieve/understand-only scoring.
    """
    gold_step = read_step(gold, args_as_text=False)
    pred = read_step(prediction, args_as_text=False)
    if gold_step is None or pred is None:
        return UNPARSED_STEP
    try:
        args = args_match_score(pred.args, gold_step.args)
    except Unscorable as err:
        return StepScores(0.0, 0.0, 0.0, parsed=True, note=str(err))
    thought = thought_similarity(pred.thought, gold_step.thought, embedder) if embedder else 0.0
    return StepScores(
        thought=thought,
        name=float(pred.name == gold_step.name),
        args=args,
        parsed=True,
        note=pred.note,
    )


def score_reason_str(prediction: str, gold: Any, embedder: Embedder) -> float:
    """Similarity of the whole answer to the gold thought (0 when the gold has no thought)."""
    gold_step = read_step(gold, args_as_text=True)
    return thought_similarity(prediction, gold_step.thought, embedder) if gold_step else 0.0


def score_retrieve_str(prediction: str, gold: Any) -> float:
    gold_step = read_step(gold, args_as_text=True)
    return retrieve_str_correct(prediction, gold_step.name) if gold_step else 0.0


def score_understand_str(prediction: str, gold: Any) -> float:
    gold_step = read_step(gold, args_as_text=True)
    return understand_str_correct(prediction, gold_step.args) if gold_step else 0.0


# ----------------------------------------------------------------------------- review
def review_letter(prediction: str) -> str | None:
    """First character after the first colon (whole answer if none), left-stripped; A–E or None."""
    answer = prediction[prediction.find(":") + 1 :].lstrip()
    return answer[0] if answer and answer[0] in REVIEW_LETTERS else None


def score_review(prediction: str, gold_letter: str) -> tuple[float, bool]:
    """(correct, parsed) for a review answer."""
    letter = review_letter(prediction)
    return float(letter is not None and letter == gold_letter), letter is not None
