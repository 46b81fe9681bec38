"""One bad answer costs one sample, never the run.

lm-eval calls a task's ``process_results`` once per document, after every generation of the
run is done; an exception there ends the whole evaluation, every task's results are lost, and a
rerun replays the same answer from the request cache into the same crash. Two layers stop that:

* Scorers and parsers are total: any string gives a score. Where the upstream scorer we
  reproduce would itself have crashed (an integer of more digits than Python converts, ...),
  the answer scores 0 and the scorer says why; the helpers below (:class:`Unscorable`,
  :func:`parse_int`, :func:`safe_str`) are how scorers do that.
* :func:`guard_process_results` wraps every task's ``process_results``
  (:class:`acbench_tasks.common.chat.ChatTask` applies it to each subclass automatically): any
  exception scores that sample 0 (the task's :meth:`failed_sample_metrics`) and names the error.

Under lm-eval's ``--predict_only`` (the task's metrics replaced by ``bypass``) the wrapper
scores nothing: the scorer, and any embedding model it would load, is never called.

Either way the per-sample log (``--log_samples``) carries a ``scoring_error`` field: ``null``
for a normally scored sample, else the reason. The same key is a per-task metric,
``scoring_error``: the number of such samples (lower is better), aggregated by
:func:`count_scoring_errors`.
"""

from __future__ import annotations

import ast
import functools
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

#: Per-sample field (reason or None) and per-task metric (count of flagged samples).
SCORING_ERROR = "scoring_error"

#: Python's default limit on the digits of an int converted from or to decimal text
#: (``sys.get_int_max_str_digits()``); upstream scorers ran under it, so longer numbers
#: crashed them. Bounding by the default, not the current setting, also keeps ``int()``,
#: whose cost grows quadratically with the digits, cheap.
INT_MAX_DIGITS = 4300

_REASON_CHARS = 300  # a reason longer than this is cut in the per-sample log


class Unscorable(ValueError):
    """An answer that upstream's scorer could not have scored (it would have crashed).

    Raised inside scorers where the answer is read; the scorer's entry point catches it and
    returns its zero score together with ``str(err)`` as the reason.
    """


def parse_int(digits: str, what: str = "number") -> int:
    """``int(digits)`` for decimal text, refusing more than :data:`INT_MAX_DIGITS` digits.

    Raises :class:`Unscorable` (naming ``what``) where Python's own ``int()`` would raise.
    """
    if len(digits) > INT_MAX_DIGITS:
        raise Unscorable(
            f"{what} has {len(digits)} digits, more than Python converts "
            f"({INT_MAX_DIGITS}); upstream's int() raises on it"
        )
    return int(digits)


_INT_STR_BOUND = 10**INT_MAX_DIGITS  # ints at least this large have too many digits for str()


def oversized_int(value: Any) -> int | None:
    """An int inside ``value`` (nested lists, tuples, dicts, keys too) that ``str()`` refuses.

    Iterative, so deep nesting cannot hit the recursion limit.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is int:  # bool is never oversized
            if abs(item) >= _INT_STR_BOUND:
                return item
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return None


def safe_str(value: Any) -> str | None:
    """``str(value)``, or ``None`` where ``str()`` raises (an int of more than 4,300 digits,
    nesting deeper than the recursion limit, ...)."""
    try:
        return str(value)
    except (ValueError, RecursionError, MemoryError):
        return None


def quiet_literal_eval(text: str) -> Any:
    """``ast.literal_eval`` of model output without the ``SyntaxWarning``s (invalid escape
    sequences, ``0xg``...) that Python prints for odd literals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.literal_eval(text)


def quiet_parse(text: str) -> ast.Expression:
    """``ast.parse(text, mode="eval")`` of model output, silently (see
    :func:`quiet_literal_eval`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text, mode="eval")


def describe_error(err: BaseException) -> str:
    """One line: the exception type and the first line of its message, cut short."""
    message = str(err).splitlines()[0] if str(err) else ""
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"


def count_scoring_errors(items: Sequence[Any]) -> int:
    """lm-eval aggregation of the ``scoring_error`` metric: how many samples carry a reason."""
    return sum(1 for item in items if item)


#: lm-eval's stand-in metric under ``--predict_only`` (``Task.override_metric("bypass")``).
BYPASS = "bypass"


def predict_only(task: Any) -> bool:
    """Whether lm-eval runs ``task`` under ``--predict_only`` (its metrics replaced by
    ``bypass``, so generations are logged and nothing is scored)."""
    return BYPASS in (getattr(task, "_metric_fn_list", None) or {})


def guard_process_results(method: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap a task's ``process_results(doc, results)`` so that no exception escapes.

    On success the metrics get ``scoring_error: None`` unless the scorer set a reason. On an
    exception the sample gets ``task.failed_sample_metrics(doc)`` (zeros) and the reason, and a
    warning names the task and the document. Under ``--predict_only`` nothing is scored (lm-eval's
    ``bypass`` value only). Applying it twice is harmless.
    """
    if getattr(method, "__guarded__", False):
        return method

    @functools.wraps(method)
    def guarded(self: Any, doc: dict, results: Sequence[Any]) -> dict:
        if predict_only(self):
            return {BYPASS: None}
        try:
            metrics = dict(method(self, doc, results))
        except Exception as err:
            reason = f"scorer raised {describe_error(err)}"
            task = getattr(getattr(self, "config", None), "task", type(self).__name__)
            doc_id = doc.get("id") if isinstance(doc, dict) else None
            logger.warning("%s: sample %s scored 0: %s", task, doc_id, reason)
            logger.debug("%s: traceback of the scoring failure", task, exc_info=True)
            try:
                metrics = dict(self.failed_sample_metrics(doc))
            except Exception:  # a broken document: report the sample without its metrics
                metrics = {}
            metrics[SCORING_ERROR] = reason
            return metrics
        metrics.setdefault(SCORING_ERROR, None)
        return metrics

    guarded.__guarded__ = True  # type: ignore[attr-defined]
    return guarded
