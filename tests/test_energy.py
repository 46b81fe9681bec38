"""Per-task codecarbon energy: attribution, token counts, the results block, and failures."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from fakes import FakeTracker

from acbench import energy


class FakeTokenizer:
    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return list(range(len(text.split())))


class FakeLM:
    """Answers ``generate_until`` with the prompt upper-cased; records every call it gets."""

    def __init__(self) -> None:
        self.tokenizer = FakeTokenizer()
        self.calls: list[list[str]] = []

    def generate_until(self, requests):
        self.calls.append([r.task_name for r in requests])
        return [r.arguments[0].upper() for r in requests]

    def loglikelihood(self, requests):
        self.calls.append([r.task_name for r in requests])
        return [(-1.0, True) for _ in requests]


def _request(task: str, prompt: str, doc_id: int | None = None) -> SimpleNamespace:
    request = SimpleNamespace(task_name=task, arguments=(prompt, {}))
    if doc_id is not None:
        request.doc_id = doc_id
    return request


def _results(**extra) -> dict:
    return {
        "configs": {"t_a": {}, "t_b": {}},
        "n-samples": {"t_a": {"effective": 2}, "t_b": {"effective": 1}},
        "results": {"t_a": {}, "t_b": {}},
        "group_subtasks": {"grp": ["t_a", "t_b"]},
        **extra,
    }


def test_requests_are_measured_per_task_and_answered_in_order() -> None:
    lm = FakeLM()
    meter = energy.EnergyMeter(tracker_factory=FakeTracker)
    meter.attach(lm)
    requests = [_request("t_a", "one two", 0), _request("t_b", "x", 0), _request("t_a", "a b c", 1)]
    assert lm.generate_until(requests) == ["ONE TWO", "X", "A B C"]
    assert lm.calls == [["t_a", "t_a"], ["t_b"]]  # one measured call per task
    assert meter.tasks["t_a"].generated_tokens == 5 and meter.tasks["t_b"].generated_tokens == 1
    assert lm.loglikelihood([_request("t_b", "q", 0)]) == [(-1.0, True)]  # the same document

    block = meter.report(_results())
    t_a, t_b = block["tasks"]["t_a"], block["tasks"]["t_b"]
    assert t_a["status"] == "measured"
    assert t_a["energy_kwh"] == pytest.approx(0.001)
    assert t_a["joules"] == pytest.approx(3600.0)
    assert t_a["joules_per_sample"] == pytest.approx(1800.0)  # 2 samples
    assert t_a["joules_per_generated_token"] == pytest.approx(720.0)  # 5 tokens
    assert t_a["cpu_energy_kwh"] == pytest.approx(0.0006)
    assert t_a["ram_energy_kwh"] == pytest.approx(0.0004)
    assert t_a["emissions_kg_co2eq"] == pytest.approx(0.0004)
    # t_b: a generate call and a loglikelihood call, each measured.
    assert t_b["energy_kwh"] == pytest.approx(0.002)
    assert t_b["duration_s"] == pytest.approx(4.0)
    assert t_b["request_types"] == ["generate_until", "loglikelihood"]
    assert t_b["requests"] == 2 and t_b["generated_tokens"] == 1
    assert block["groups"]["grp"]["energy_kwh"] == pytest.approx(0.003)
    assert block["groups"]["grp"]["generated_tokens"] == 6
    assert block["groups"]["grp"]["joules_per_sample"] == pytest.approx(3600.0)  # 10800 J / 3
    assert block["total"]["joules"] == pytest.approx(10800.0)
    assert block["hardware"]["cpu_model"] == "Test CPU"


class FakeAgentLM(FakeLM):
    """acbench-agent's shape: ``agent_episode`` plays episodes through ``generate_batch``."""

    def generate_batch(self, prompts: list[str], gen_kwargs: dict) -> list[str]:
        return ["go north", "take key now"][: len(prompts)]

    def agent_episode(self, requests):
        self.calls.append([r.task_name for r in requests])
        answers = []
        for _ in requests:  # two steps per episode, as the agent runner calls it
            steps = [self.generate_batch(["p"], {}) for _ in range(2)]
            answers.append(f"transcript of {sum(len(s) for s in steps)} steps")
        return answers


def test_energy_per_sample_after_a_resume_counts_only_generated_samples() -> None:
    lm = FakeLM()
    meter = energy.EnergyMeter(tracker_factory=FakeTracker)
    meter.attach(lm)
    lm.generate_until([_request("t_a", "only this one", 1)])  # doc 0 came from the cache
    entry = meter.report(_results())["tasks"]["t_a"]
    assert entry["samples"] == 2 and entry["samples_generated"] == 1
    assert entry["joules_per_sample"] == pytest.approx(3600.0)  # 0.001 kWh over 1, not 2
    assert entry["note"].startswith("1 of 2 samples came from the resume cache")


def test_agent_episodes_are_measured_and_their_step_tokens_counted() -> None:
    lm = FakeAgentLM()
    meter = energy.EnergyMeter(tracker_factory=FakeTracker)
    meter.attach(lm, backend="hf")
    episodes = [_request("t_a", "{}"), _request("t_b", "{}"), _request("t_a", "{}")]
    assert lm.agent_episode(episodes) == ["transcript of 2 steps"] * 3
    assert lm.generate_batch(["outside a task"], {}) == ["go north"]  # counted for nobody
    block = meter.report(_results())
    a, b = block["tasks"]["t_a"], block["tasks"]["t_b"]
    # one measurement per task; each episode generated "go north" twice: 2 x 2 tokens
    assert a["request_types"] == ["agent_episode"] and a["requests"] == 2
    assert a["generated_tokens"] == 8 and b["generated_tokens"] == 4
    assert a["joules_per_generated_token"] == pytest.approx(3600 / 8)


def test_tracker_that_cannot_start_keeps_the_answers() -> None:
    def broken():
        raise RuntimeError("no power counters\nsecond line")

    lm = FakeLM()
    meter = energy.EnergyMeter(tracker_factory=broken)
    meter.attach(lm)
    assert lm.generate_until([_request("t_a", "hi there")]) == ["HI THERE"]
    entry = meter.report(_results())["tasks"]["t_a"]
    assert entry["status"] == "missing"
    assert entry["error"] == "codecarbon unavailable: RuntimeError: no power counters"
    assert entry["generated_tokens"] == 2  # tokens are counted even without energy
    assert "energy_kwh" not in entry


def test_no_measurement_and_cached_tasks_are_marked_missing() -> None:
    lm = FakeLM()
    meter = energy.EnergyMeter(tracker_factory=lambda: FakeTracker(fail_stop=True))
    meter.attach(lm)
    lm.generate_until([_request("t_a", "a")])
    block = meter.report(_results())
    assert block["tasks"]["t_a"]["error"] == "codecarbon returned no measurement"
    # t_b never reached the model (all answers from lm-eval's resume cache).
    assert block["tasks"]["t_b"]["status"] == "missing"
    assert "resume cache" in block["tasks"]["t_b"]["error"]
    assert block["total"]["energy_kwh"] is None


def test_failing_stop_and_token_count_keep_the_answers() -> None:
    class BadTokenizer:
        def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
            raise RuntimeError("broken tokenizer")

    class StopFails(FakeTracker):
        def stop_task(self, label: str):
            self.active.pop()
            raise RuntimeError("power reading failed")

    lm = FakeLM()
    lm.tokenizer = BadTokenizer()
    meter = energy.EnergyMeter(tracker_factory=StopFails)
    meter.attach(lm)
    assert lm.generate_until([_request("t_a", "x y")]) == ["X Y"]
    entry = meter.report(_results())["tasks"]["t_a"]
    assert entry["error"] == "stop failed: RuntimeError: power reading failed"
    assert entry["generated_tokens"] is None


def test_model_errors_propagate_and_close_the_measurement() -> None:
    class Exploding(FakeLM):
        def generate_until(self, requests):
            raise ValueError("out of memory")

    tracker = FakeTracker()
    lm = Exploding()
    energy.EnergyMeter(tracker_factory=lambda: tracker).attach(lm)
    with pytest.raises(ValueError, match="out of memory"):
        lm.generate_until([_request("t_a", "a")])
    assert tracker.active == []


def test_token_counter_fallbacks() -> None:
    assert energy.token_counter(SimpleNamespace(tokenizer=FakeTokenizer()))("a b c") == 3
    tiktoken_like = SimpleNamespace(encode=lambda text: [0] * len(text))
    assert energy.token_counter(SimpleNamespace(tokenizer=tiktoken_like))("abcd") == 4
    assert energy.token_counter(SimpleNamespace(tok_encode=lambda t: [1, 2]))("x") == 2
    assert energy.token_counter(SimpleNamespace()) is None


def test_api_backend_note_and_summary() -> None:
    meter = energy.EnergyMeter(tracker_factory=FakeTracker)
    meter.attach(FakeLM(), backend="local-chat-completions")
    meter._get_tracker()
    block = meter.report({"configs": {}})
    assert any("server" in note for note in block["notes"])
    assert energy.format_energy_summary({}) == ""


# ---- through `acbench eval` with the real codecarbon ---------------------------------------


def _eval(model: Path, output: Path, model_args: str = "") -> dict:
    from acbench.cli import main

    args = f"pretrained={model}{model_args}"
    code = main(
        [
            *("eval", "--model-args", args, "--tasks", "acbench_workflow_os"),
            *("--data-source", "sample", "--limit", "1", "--max-gen-toks", "4", "--no-cache"),
            *("--output-path", str(output), "--threads", "1"),
        ]
    )
    assert code == 0
    (results_file,) = output.glob("*/results_*.json")
    return json.loads(results_file.read_text())


@pytest.mark.e2e
def test_eval_results_file_carries_energy_and_tokens(tiny_llama: Path, tmp_path: Path) -> None:
    results = _eval(tiny_llama, tmp_path)
    assert results["config"]["model"] == "hf" and results["model_source"] == "hf"
    assert results["config"]["cpu_threads"]["threads"] == 1
    assert results["config"]["cpu_threads"]["chosen_by"] == "user"
    block = results["energy"]
    assert block["method"] and block["hardware"]["cpu_count"] >= 1
    entry = block["tasks"]["acbench_workflow_os"]
    assert entry["status"] == "measured", entry
    assert entry["samples"] == 1 and entry["requests"] == 1
    assert entry["generated_tokens"] > 0
    for key in (
        "energy_kwh",
        "cpu_energy_kwh",
        "ram_energy_kwh",
        "emissions_kg_co2eq",
        "duration_s",
        "joules_per_sample",
        "joules_per_generated_token",
    ):
        assert entry[key] > 0, key
    assert entry["energy_kwh"] == pytest.approx(
        entry["cpu_energy_kwh"] + entry["gpu_energy_kwh"] + entry["ram_energy_kwh"]
    )


@pytest.mark.e2e
def test_a_token_in_model_args_is_never_printed_or_recorded(
    tiny_llama: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _eval(tiny_llama, tmp_path, model_args=",token=hf_do_not_leak")
    printed = capsys.readouterr()
    assert "hf_do_not_leak" not in printed.out + printed.err
    recorded = "".join(p.read_text() for p in tmp_path.rglob("*.json*"))
    assert "hf_do_not_leak" not in recorded
    assert results["config"]["model_args"]["token"] == "***"


@pytest.mark.slow  # the meter-level failure tests above run by default
def test_eval_survives_codecarbon_failure(
    tiny_llama: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise OSError("codecarbon cannot read the hardware")

    monkeypatch.setattr(energy, "make_tracker", broken)
    results = _eval(tiny_llama, tmp_path)
    assert "acbench_workflow_os" in results["results"]  # the evaluation is kept
    entry = results["energy"]["tasks"]["acbench_workflow_os"]
    assert entry["status"] == "missing"
    assert "cannot read the hardware" in entry["error"]
    assert entry["generated_tokens"] > 0
