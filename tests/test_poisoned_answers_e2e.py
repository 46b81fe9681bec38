"""One poisoned answer per task, end to end through lm-eval: every task still reports, the bad
sample scores 0 and is flagged in the per-sample log, and the rerun from lm-eval's request
cache (which replays the same answers) does the same.

A scripted LM answers each task's first document with a poison: the issue's reproducers for
WorfBench, T-Eval and BFCL (scored 0 or read as upstream does, with the reason), a lone
surrogate (embedded after sanitising), and, for T-Eval review, an answer on which the scorer is
made to raise (the guard's path: any scorer failure costs one sample). The real offline
sentence-embedding model scores WorfBench and T-Eval reason.
"""

from __future__ import annotations

import pytest
from fuzz_targets import REPRODUCERS
from lm_eval import simple_evaluate
from lm_eval.api.model import LM
from lm_eval.tasks import TaskManager

from acbench_tasks.teval import teval

pytestmark = pytest.mark.e2e

WORKFLOW, TEVAL_THOUGHT, BFCL_CALL = REPRODUCERS[:3]
RAISE_MARKER = "POISON: the review scorer raises on this answer"
#: task → answers by document index (index 1 is the second document).
ANSWERS = {
    "acbench_workflow_os": {0: WORKFLOW},
    "acbench_teval_reason": {0: TEVAL_THOUGHT, 1: "I need the \ud800 forecast first."},
    "acbench_bfcl_simple": {0: BFCL_CALL},
    "acbench_teval_review": {0: RAISE_MARKER},
}
NORMAL_ANSWER = "I do not know."


class ScriptedLM(LM):
    """Answers from :data:`ANSWERS`; any other request gets :data:`NORMAL_ANSWER`."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        self.calls += len(requests)
        return [ANSWERS[r.task_name].get(r.doc_id, NORMAL_ANSWER) for r in requests]

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError


class RefusingLM(ScriptedLM):
    """The rerun's model: every answer must come from the request cache."""

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        if requests:
            raise AssertionError(f"{len(requests)} requests were not answered from the cache")
        return []


def _evaluate(lm: LM, cache: str) -> dict:
    return simple_evaluate(
        model=lm,
        tasks=sorted(ANSWERS),
        task_manager=TaskManager(metadata={"data_source": "sample"}),
        limit=2,
        log_samples=True,
        bootstrap_iters=0,
        use_cache=cache,
    )


def _check(results: dict) -> None:
    for task in ANSWERS:
        metrics = results["results"][task]
        samples = {s["doc_id"]: s for s in results["samples"][task]}
        assert results["n-samples"][task]["effective"] == 2  # the task reported
        assert samples[0]["scoring_error"], (task, samples[0])  # flagged, with the reason
        assert samples[1]["scoring_error"] is None or task == "acbench_teval_reason"
        assert metrics["scoring_error,none"] >= 1
    workflow = results["samples"]["acbench_workflow_os"][0]
    assert workflow["node_f1"] == 0.0 and workflow["parse_rate"] == 0.0
    assert "4301 digits" in workflow["scoring_error"]
    bfcl = {s["doc_id"]: s for s in results["samples"]["acbench_bfcl_simple"]}[0]
    assert bfcl["accuracy"] == 0.0 and "4335 digits" in bfcl["scoring_error"]
    reason = {s["doc_id"]: s for s in results["samples"]["acbench_teval_reason"]}
    assert "read as ''" in reason[0]["scoring_error"]  # as upstream: the thought reads as ''
    assert reason[1]["scoring_error"] is None and reason[1]["score"]["score"] > 0.0  # embedded
    review = {s["doc_id"]: s for s in results["samples"]["acbench_teval_review"]}[0]
    assert review["score"]["score"] == 0.0 and review["score"]["parsed"] == 0.0
    assert review["scoring_error"] == "scorer raised RuntimeError: review scorer crashed"
    assert results["results"]["acbench_teval_review"]["scoring_error,none"] == 1
    assert results["results"]["acbench_teval_review"]["score,none"] == 0.0


def test_poisoned_answers_cost_one_sample_and_replay_the_same(tmp_path, monkeypatch):
    real_score_review = teval.scoring.score_review

    def crashing_review(prediction, gold_letter):
        if prediction == RAISE_MARKER:
            raise RuntimeError("review scorer crashed")
        return real_score_review(prediction, gold_letter)

    monkeypatch.setattr(teval.scoring, "score_review", crashing_review)
    cache = str(tmp_path / "requests")
    scripted = ScriptedLM()
    first = _evaluate(scripted, cache)
    assert scripted.calls == 2 * len(ANSWERS)
    _check(first)

    from lm_eval.utils import make_table

    table = make_table(first)
    assert "scoring_error" in table and "acbench_workflow_os" in table

    rerun = _evaluate(RefusingLM(), cache)  # the cache replays the poisoned answers
    _check(rerun)
    for task in ANSWERS:
        assert rerun["results"][task] == first["results"][task]
