"""The shared guard: a scoring failure costs one sample (scored 0, flagged, counted)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from acbench_tasks.common.chat import ChatTask
from acbench_tasks.common.guard import (
    INT_MAX_DIGITS,
    SCORING_ERROR,
    Unscorable,
    count_scoring_errors,
    describe_error,
    guard_process_results,
    oversized_int,
    parse_int,
    safe_str,
)


class _Task:
    """The two things the guard reads from a task."""

    config = SimpleNamespace(task="toy_task")

    def failed_sample_metrics(self, doc):
        return {"score": 0.0}

    @guard_process_results
    def process_results(self, doc, results):
        if results[0] == "boom":
            raise KeyError("no such field")
        if results[0] == "note":
            return {"score": 0.0, SCORING_ERROR: "answer too long"}
        return {"score": 1.0}


def test_success_is_flagged_none_and_failure_costs_only_that_sample(caplog):
    task = _Task()
    assert task.process_results({"id": "a"}, ["fine"]) == {"score": 1.0, SCORING_ERROR: None}
    with caplog.at_level(logging.WARNING):
        failed = task.process_results({"id": "b"}, ["boom"])
    assert failed == {"score": 0.0, SCORING_ERROR: "scorer raised KeyError: 'no such field'"}
    assert "toy_task: sample b scored 0" in caplog.text
    # a reason set by the scorer itself is kept
    assert task.process_results({"id": "c"}, ["note"])[SCORING_ERROR] == "answer too long"


def test_broken_failure_metrics_still_report_the_reason():
    class Broken(_Task):
        def failed_sample_metrics(self, doc):
            raise RuntimeError("doc has no variant")

    assert Broken().process_results({}, ["boom"]) == {
        SCORING_ERROR: "scorer raised KeyError: 'no such field'"
    }


def test_guard_is_idempotent_and_catches_recursion_and_memory_errors():
    assert guard_process_results(_Task.process_results) is _Task.process_results

    class Deep(_Task):
        @guard_process_results
        def process_results(self, doc, results):
            raise RecursionError("maximum recursion depth exceeded")

    assert Deep().process_results({}, ["x"])[SCORING_ERROR].startswith("scorer raised Recursion")


def test_every_chat_task_subclass_is_guarded_and_reports_the_count():
    class Toy(ChatTask):
        def process_results(self, doc, results):
            raise ValueError("bad")

    assert getattr(Toy.process_results, "__guarded__", False)
    assert getattr(ChatTask.process_results, "__guarded__", False)  # lm-eval's own path too
    toy = object.__new__(Toy)  # no data needed: only the metric lists are read
    toy._aggregation_list, toy._higher_is_better = {"acc": sum}, {"acc": True}
    assert toy.process_results({"id": 1}, ["x"]) == {
        "acc": 0.0,
        SCORING_ERROR: "scorer raised ValueError: bad",
    }
    assert toy.aggregation() == {"acc": sum, SCORING_ERROR: count_scoring_errors}
    assert toy.higher_is_better() == {"acc": True, SCORING_ERROR: False}


def test_count_aggregation_and_registration():
    from lm_eval.api import registry

    import acbench_tasks.common.metrics  # noqa: F401  (registers scoring_error)

    assert count_scoring_errors([None, "x", None, "scorer raised ValueError"]) == 2
    assert count_scoring_errors([]) == 0
    assert registry.get_metric_aggregation(SCORING_ERROR) is count_scoring_errors
    assert registry.is_higher_better(SCORING_ERROR) is False


def test_lm_eval_task_adds_the_metric_to_its_aggregations():
    from lm_eval.tasks import TaskManager, get_task_dict

    name = "acbench_bfcl_simple"
    task = get_task_dict([name], TaskManager(metadata={"data_source": "sample"}))[name]
    assert task.aggregation()[SCORING_ERROR] is count_scoring_errors
    assert task.higher_is_better()[SCORING_ERROR] is False
    assert task.failed_sample_metrics({}) == {"accuracy": 0.0, "decoded": 0.0}


# ----------------------------------------------------------------------------- helpers
def test_bounded_int_and_text_helpers():
    assert parse_int("0042") == 42
    assert parse_int("9" * INT_MAX_DIGITS) == 10**INT_MAX_DIGITS - 1
    with pytest.raises(Unscorable, match="edge label has 4301 digits"):
        parse_int("9" * (INT_MAX_DIGITS + 1), "edge label")
    assert safe_str(12) == "12"
    assert safe_str(16**3600) is None  # str() raises beyond 4,300 digits
    assert oversized_int({"a": [1, (2, {"b": 16**3600})]}) == 16**3600
    assert oversized_int({"a": [1, 10**INT_MAX_DIGITS - 1, True]}) is None
    assert oversized_int({-(10**INT_MAX_DIGITS): 1}) == -(10**INT_MAX_DIGITS)
    deep: list = []
    for _ in range(100_000):  # iterative: no recursion limit
        deep = [deep]
    assert oversized_int(deep) is None


def test_describe_error_is_one_short_line():
    assert describe_error(ValueError("first\nsecond")) == "ValueError: first"
    assert describe_error(KeyError()) == "KeyError"
    assert len(describe_error(ValueError("x" * 10_000))) <= 300
