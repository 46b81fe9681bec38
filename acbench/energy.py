"""Hardware energy of an evaluation, per task, measured with codecarbon.

lm-eval sends every task's requests of one type to the model in a single call. :class:`EnergyMeter`
patches that call on the model object (``generate_until``, ``loglikelihood``,
``loglikelihood_rolling``, and ``agent_episode`` of ``acbench-agent``): it splits the requests by
task, runs each task's share inside its own codecarbon measurement
(``OfflineEmissionsTracker.start_task``/``stop_task`` from :mod:`acbench_core.carbon`, the meter
compression uses too: no network, no files), counts the generated
tokens with the model's tokenizer, and puts the answers back in order.
:meth:`EnergyMeter.report` turns that into the ``energy`` block of the results file: kWh (CPU,
GPU, RAM), kg CO2eq, duration, J per sample and per generated token, score per kWh, the
measurement method and the hardware.

Caveats written next to the numbers: without RAPL/NVML counters codecarbon *estimates* power
from the CPU's TDP and load; requests answered from lm-eval's resume cache cost nothing and are
not counted; an API backend's energy is spent on the server, not measured here.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# the meter shared with compression lives in the ground layer; re-exported for callers here
from acbench_core.carbon import (
    JOULES_PER_KWH,
    codecarbon_version,
    describe_error,
    describe_tracker,
    make_tracker,
)

logger = logging.getLogger(__name__)

REQUEST_TYPES = ("generate_until", "loglikelihood", "loglikelihood_rolling", "agent_episode")
_API_BACKENDS = ("local-completions", "local-chat-completions", "openai", "anthropic")


@dataclass
class TaskEnergy:
    """Energy and work of one task, summed over its measured calls."""

    cpu_kwh: float = 0.0
    gpu_kwh: float = 0.0
    ram_kwh: float = 0.0
    energy_kwh: float = 0.0
    emissions_kg: float = 0.0
    duration_s: float = 0.0
    requests: int = 0
    #: Documents whose requests the model answered in this run (not from the resume cache).
    doc_ids: set[Any] = field(default_factory=set)
    generated_tokens: int | None = 0
    request_types: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    measured_calls: int = 0

    def add(self, data: Any) -> None:
        self.cpu_kwh += float(data.cpu_energy)
        self.gpu_kwh += float(data.gpu_energy)
        self.ram_kwh += float(data.ram_energy)
        self.energy_kwh += float(data.energy_consumed)
        self.emissions_kg += float(data.emissions)
        self.duration_s += float(data.duration)
        self.measured_calls += 1


def token_counter(lm: Any) -> Callable[[str], int] | None:
    """Count tokens of generated text with the model's own tokenizer (None: no tokenizer)."""
    tokenizer = getattr(lm, "tokenizer", None)
    if tokenizer is not None and hasattr(tokenizer, "encode"):

        def count(text: str) -> int:
            try:
                return len(tokenizer.encode(text, add_special_tokens=False))
            except TypeError:  # tiktoken-style encode(text)
                return len(tokenizer.encode(text))

        return count
    if hasattr(lm, "tok_encode"):
        return lambda text: len(lm.tok_encode(text))
    return None


class EnergyMeter:
    """Per-task codecarbon measurement around an lm-eval model's request calls."""

    def __init__(
        self,
        country_iso_code: str = "USA",
        tracker_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.country_iso_code = country_iso_code
        self._factory = tracker_factory or (lambda: make_tracker(country_iso_code))
        self._tracker: Any = None
        self._tracker_error: str | None = None
        self._labels = itertools.count()
        self._count_tokens: Callable[[str], int] | None = None
        self.backend: str | None = None
        self.tasks: dict[str, TaskEnergy] = {}
        self._current: str | None = None  # the task whose requests are running

    def attach(self, lm: Any, backend: str | None = None) -> Any:
        """Meter ``lm``'s request methods in place (the object keeps its type); return it."""
        self.backend = backend
        self._count_tokens = token_counter(lm)
        for request_type in REQUEST_TYPES:
            method = getattr(lm, request_type, None)
            if callable(method):
                setattr(lm, request_type, self._metered(request_type, method))
        step = getattr(lm, "generate_batch", None)  # acbench-agent: one call per episode step
        if callable(step):
            lm.generate_batch = self._counted(step)
        return lm

    def _counted(self, generate_batch: Callable) -> Callable:
        """Count the tokens an agent generates in each step of its episodes."""

        def call(*args: Any, **kwargs: Any) -> list[Any]:
            texts = generate_batch(*args, **kwargs)
            record = self.tasks.get(self._current or "")
            if record is not None:
                self._add_tokens(record, texts)
            return texts

        call.__wrapped__ = generate_batch  # type: ignore[attr-defined]
        return call

    def _metered(self, request_type: str, method: Callable) -> Callable:
        def call(requests: Sequence[Any], *args: Any, **kwargs: Any) -> list[Any]:
            by_task: dict[str, list[int]] = {}
            for position, request in enumerate(requests):
                by_task.setdefault(str(getattr(request, "task_name", None)), []).append(position)
            answers: list[Any] = [None] * len(requests)
            for task, positions in by_task.items():
                share = [requests[p] for p in positions]
                self._current = task
                try:
                    results = self._measure(
                        task, request_type, lambda s=share: method(s, *args, **kwargs)
                    )
                finally:
                    self._current = None
                for position, result in zip(positions, results, strict=True):
                    answers[position] = result
                self._count(task, request_type, share, results)
            return answers

        call.__wrapped__ = method  # type: ignore[attr-defined]
        return call

    def _get_tracker(self) -> Any:
        if self._tracker is None and self._tracker_error is None:
            try:
                self._tracker = self._factory()
            except Exception as err:  # codecarbon broken or absent: evaluate without energy
                self._tracker_error = describe_error(err)
                logger.warning("codecarbon unavailable, energy not measured: %s", err)
        return self._tracker

    def _measure(self, task: str, request_type: str, run: Callable[[], list[Any]]) -> list[Any]:
        record = self.tasks.setdefault(task, TaskEnergy())
        record.request_types.add(request_type)
        tracker = self._get_tracker()
        label = None
        if tracker is None:
            record.errors.append(f"codecarbon unavailable: {self._tracker_error}")
        else:
            try:
                label = f"{task}#{next(self._labels)}"
                tracker.start_task(label)
            except Exception as err:
                record.errors.append(f"start failed: {describe_error(err)}")
                label = None
        try:
            return run()
        finally:
            if label is not None:
                try:
                    data = tracker.stop_task(label)
                except Exception as err:
                    record.errors.append(f"stop failed: {describe_error(err)}")
                else:
                    if data is None:
                        record.errors.append("codecarbon returned no measurement")
                    else:
                        record.add(data)

    def _count(self, task: str, request_type: str, requests: list[Any], results: list[Any]) -> None:
        record = self.tasks[task]
        record.requests += len(requests)
        record.doc_ids.update(getattr(r, "doc_id", id(r)) for r in requests)
        if request_type == "generate_until":  # agent episodes were counted step by step
            self._add_tokens(record, results)

    def _add_tokens(self, record: TaskEnergy, texts: Sequence[Any]) -> None:
        """Tokens of returned text (after stop sequences), re-encoded with the model's tokenizer."""
        if record.generated_tokens is None:
            return
        try:
            if self._count_tokens is None:
                raise TypeError("the model exposes no tokenizer")
            record.generated_tokens += sum(
                self._count_tokens(text) for text in texts if isinstance(text, str) and text
            )
        except Exception as err:  # a count is not worth losing the evaluation for
            logger.warning("generated tokens not counted: %s", err)
            record.generated_tokens = None

    # ---- the results-file block -------------------------------------------------------------

    def report(self, results: dict[str, Any]) -> dict[str, Any]:
        """The ``energy`` block for an lm-eval results dict (per task, per group, total).

        Every task of the results gets an entry; one whose energy could not be measured has
        ``status: missing`` and the reason in ``error``.
        """
        n_samples = results.get("n-samples", {})
        method = self._method_and_hardware()
        names = list(dict.fromkeys([*results.get("configs", {}), *self.tasks]))
        tasks = {
            name: self._task_entry(
                name,
                self.tasks.get(name),
                n_samples.get(name, {}).get("effective"),
                method["method"],
                results,
            )
            for name in names
        }
        groups = {}
        for group in results.get("group_subtasks", {}):
            leaves = [leaf for leaf in _leaves(group, results) if leaf in tasks]
            if leaves:
                groups[group] = self._sum_entry(leaves, tasks)
        block: dict[str, Any] = {
            "tool": f"codecarbon {codecarbon_version()}",
            "country_iso_code": self.country_iso_code,
            **method,
            "tasks": tasks,
            "groups": groups,
            "total": self._sum_entry(list(tasks), tasks),
            "notes": [
                "1 kWh = 3.6e6 J. Requests answered from the resume cache use no energy and are "
                "not counted in `requests`.",
                "Pruned checkpoints are stored and run dense: expect no energy saving from "
                "pruning alone.",
            ],
        }
        if self.backend in _API_BACKENDS:
            block["notes"].append(
                f"{self.backend} runs the model on a server: these figures cover only this "
                "client process, not the server's hardware."
            )
        return block

    @staticmethod
    def _task_entry(
        name: str,
        record: TaskEnergy | None,
        samples: int | None,
        method: str | None,
        results: dict[str, Any],
    ) -> dict[str, Any]:
        if record is None:  # lm-eval never called the model for it
            record = TaskEnergy(errors=["every request was answered from the resume cache"])
        measured = record.measured_calls > 0 and not record.errors
        entry: dict[str, Any] = {
            "status": "measured" if measured else "missing",
            "method": method,
            "samples": samples,
            # J/sample divides by these: samples served from the resume cache cost nothing here
            "samples_generated": len(record.doc_ids),
            "requests": record.requests,
            "request_types": sorted(record.request_types),
            "generated_tokens": record.generated_tokens,
        }
        if not measured:
            entry["error"] = "; ".join(dict.fromkeys(record.errors)) or "no measurement"
            return entry
        joules = record.energy_kwh * JOULES_PER_KWH
        entry.update(
            energy_kwh=record.energy_kwh,
            cpu_energy_kwh=record.cpu_kwh,
            gpu_energy_kwh=record.gpu_kwh,
            ram_energy_kwh=record.ram_kwh,
            emissions_kg_co2eq=record.emissions_kg,
            duration_s=record.duration_s,
            joules=joules,
            joules_per_sample=joules / len(record.doc_ids) if record.doc_ids else None,
            joules_per_generated_token=(
                joules / record.generated_tokens if record.generated_tokens else None
            ),
        )
        if samples and len(record.doc_ids) < samples:
            entry["note"] = (
                f"{samples - len(record.doc_ids)} of {samples} samples came from the resume "
                "cache: energy and J/sample cover the samples generated in this run"
            )
        metric, score = _headline(name, results)
        if metric is not None and record.energy_kwh > 0:
            entry["score_per_kwh"] = {"metric": metric, "value": score / record.energy_kwh}
        return entry

    @staticmethod
    def _sum_entry(names: list[str], tasks: dict[str, dict[str, Any]]) -> dict[str, Any]:
        entries = [tasks[n] for n in names]
        measured = [e for e in entries if e["status"] == "measured"]
        out: dict[str, Any] = {
            "tasks": len(entries),
            "measured_tasks": len(measured),
            "requests": sum(e["requests"] for e in entries),
        }
        for key in (
            "energy_kwh",
            "cpu_energy_kwh",
            "gpu_energy_kwh",
            "ram_energy_kwh",
            "emissions_kg_co2eq",
            "duration_s",
            "joules",
        ):
            out[key] = sum(e[key] for e in measured) if measured else None
        tokens = [e["generated_tokens"] for e in entries]
        out["generated_tokens"] = None if None in tokens else sum(tokens)
        samples = [e.get("samples_generated") for e in measured]
        if measured and all(samples):
            out["joules_per_sample"] = out["joules"] / sum(samples)
        if measured and out["generated_tokens"]:
            out["joules_per_generated_token"] = out["joules"] / out["generated_tokens"]
        return out

    def _method_and_hardware(self) -> dict[str, Any]:
        return describe_tracker(self._tracker)


def _leaves(group: str, results: dict[str, Any]) -> list[str]:
    """Leaf tasks of a group, through nested groups."""
    subtasks = results.get("group_subtasks", {})
    out = []
    for member in subtasks.get(group, []):
        out.extend(_leaves(member, results) if member in subtasks else [member])
    return out


def _headline(task: str, results: dict[str, Any]) -> tuple[str | None, float]:
    from acbench_core.catalog import benchmark_of

    owner = benchmark_of(task)
    if owner is None:
        return None, 0.0
    metric = owner.headline_metric
    value = results.get("results", {}).get(task, {}).get(f"{metric},none")
    return (metric, float(value)) if isinstance(value, (int, float)) else (None, 0.0)


def format_energy_summary(results: dict[str, Any]) -> str:
    """A few lines on the energy block of a results dict (empty when there is none)."""
    block = results.get("energy")
    if not block:
        return ""
    lines = [f"Energy ({block.get('method') or 'not measured'}; {block.get('tool')}):"]
    for name, entry in block.get("tasks", {}).items():
        if entry["status"] != "measured":
            lines.append(f"  {name}: missing ({entry.get('error')})")
            continue
        parts = [
            f"{entry['energy_kwh'] * 1000:.4f} Wh",
            f"{entry['emissions_kg_co2eq'] * 1000:.4f} g CO2eq",
            f"{entry['duration_s']:.1f} s",
        ]
        if entry.get("joules_per_sample"):
            parts.append(f"{entry['joules_per_sample']:.1f} J/sample")
        if entry.get("joules_per_generated_token"):
            parts.append(f"{entry['joules_per_generated_token']:.2f} J/generated token")
        lines.append(f"  {name}: " + ", ".join(parts))
    return "\n".join(lines)
