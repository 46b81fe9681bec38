"""The task catalog: what each ACBench benchmark is, declared once.

Every module that needs to know about benchmarks (the score summary, ``acbench compare``, the
report, the model card, the evaluation runner) reads this catalog instead of keeping its own
table. Adding a benchmark = one folder in ``acbench_tasks/`` and ``yaml_tasks/`` + one entry in
:data:`BENCHMARKS`.

Names follow lm-eval: a benchmark owns every task and group whose name starts with one of its
``prefixes`` (the longest matching prefix over all benchmarks wins), and capability groups such
as ``acbench_longcontext`` gather benchmarks of one capability.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from acbench_core.data_sources import DataSpec

#: The paper's four capabilities, in the paper's order.
WORKFLOW = "workflow"
TOOL_USE = "tool use"
LONG_CONTEXT = "long context"
REAL_WORLD = "real-world"
CAPABILITIES: tuple[str, ...] = (WORKFLOW, TOOL_USE, LONG_CONTEXT, REAL_WORLD)

#: The all-in-one lm-eval group: a wrapper of the capability groups, not a capability itself.
ALL_GROUP = "acbench"
#: lm-eval groups that gather several benchmarks of one capability.
CAPABILITY_GROUPS: Mapping[str, str] = {"acbench_longcontext": LONG_CONTEXT}


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of ACBench: its lm-eval names, capability, metrics and data."""

    name: str  # folder name in acbench_tasks/ and yaml_tasks/
    title: str  # display name (model cards, reports)
    capability: str
    prefixes: tuple[str, ...]  # lm-eval task/group names of this benchmark start with these
    #: The lm-eval group (or single task) that runs the whole benchmark, if there is one.
    lm_eval_name: str | None
    headline_metric: str  # the paper's number
    secondary_metrics: tuple[str, ...] = ()
    #: Upstream data per task-name prefix (the longest matching prefix wins); empty for
    #: generated data (NIAH) and interactive environments.
    data: Mapping[str, DataSpec] = field(default_factory=dict)
    #: Documents are multi-turn episodes, played by the ``acbench-agent`` model wrapper.
    needs_agent: bool = False

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.headline_metric, *self.secondary_metrics)

    def data_for(self, task: str) -> DataSpec | None:
        """The upstream dataset a task of this benchmark reads (None: no dataset)."""
        hits = [prefix for prefix in self.data if task.startswith(prefix)]
        return self.data[max(hits, key=len)] if hits else None

    def dataset(self, key: str | None = None) -> DataSpec:
        """The benchmark's data spec (``key``: its task-name prefix, when it has several)."""
        if key is None:
            if len(self.data) != 1:
                raise KeyError(f"{self.name} has {len(self.data)} datasets: name one")
            return next(iter(self.data.values()))
        return self.data[key]


WORFBENCH_DATA = DataSpec(
    benchmark="worfbench",
    hub_repo="zjunlp/WorFBench_test",
    layout_hint="<data_dir>/gold_traj/<subset>/graph_eval.json (or <data_dir>/<subset>.json)",
)
TEVAL_DATA = DataSpec(
    benchmark="teval",
    hub_repo="lovesnowbest/T-Eval",
    layout_hint="<data_dir>/data/<file>.json for instruct_v2, plan_json_v2, plan_str_v2, "
    "reason_str_v2, retrieve_str_v2, understand_str_v2, reason_retrieve_understand_json_v2, "
    "review_str_v2 (each a JSON object keyed by query id)",
)
BFCL_DATA = DataSpec(
    benchmark="bfcl",
    hub_repo="gorilla-llm/Berkeley-Function-Calling-Leaderboard",
    layout_hint="<data_dir>/BFCL_v4_<category>.json and <data_dir>/possible_answer/"
    "BFCL_v4_<category>.json, JSON lines (BFCL_v3_<category>.json names work too)",
)
# THUDM/LongBench moved to zai-org/LongBench (the old id redirects). No revision is pinned here
# (none could be checked offline); the commit actually read is written into the results.
LONGBENCH_DATA = DataSpec(
    benchmark="longbench",
    hub_repo="zai-org/LongBench",
    layout_hint="<data_dir>/data/<subset>.jsonl (THUDM/LongBench's data.zip unpacked) "
    "or <data_dir>/data.zip",
)
GSM8K_DATA = DataSpec(
    benchmark="gsm8k",
    hub_repo="openai/gsm8k",
    layout_hint="<data_dir>/main/test-00000-of-00001.parquet (or main/test.jsonl)",
)
MMLU_DATA = DataSpec(
    benchmark="mmlu",
    hub_repo="cais/mmlu",
    layout_hint="<data_dir>/all/test-00000-of-00001.parquet (or all/test.jsonl)",
)

BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        name="worfbench",
        title="WorfBench",
        capability=WORKFLOW,
        prefixes=("acbench_workflow",),
        lm_eval_name="acbench_workflow",
        headline_metric="node_f1",
        secondary_metrics=("graph_f1", "parse_rate"),
        data={"acbench_workflow": WORFBENCH_DATA},
    ),
    Benchmark(
        name="teval",
        title="T-Eval",
        capability=TOOL_USE,
        prefixes=("acbench_teval", "acbench_tool"),
        lm_eval_name="acbench_tool",
        headline_metric="score",
        secondary_metrics=("parse_rate",),
        data={"acbench_teval": TEVAL_DATA},
    ),
    Benchmark(
        name="bfcl",
        title="BFCL",
        capability=TOOL_USE,
        prefixes=("acbench_bfcl",),
        lm_eval_name="acbench_bfcl",
        headline_metric="accuracy",
        secondary_metrics=("decoded",),
        data={"acbench_bfcl": BFCL_DATA},
    ),
    Benchmark(
        name="longbench",
        title="LongBench",
        capability=LONG_CONTEXT,
        prefixes=("acbench_longbench",),
        lm_eval_name="acbench_longbench",
        headline_metric="score",
        data={"acbench_longbench": LONGBENCH_DATA},
    ),
    Benchmark(
        name="longgenbench",
        title="LongGenBench",
        capability=LONG_CONTEXT,
        prefixes=("acbench_longgenbench",),
        lm_eval_name=None,
        headline_metric="score",
        secondary_metrics=("answered",),
        data={"acbench_longgenbench_gsm8k": GSM8K_DATA, "acbench_longgenbench_mmlu": MMLU_DATA},
    ),
    Benchmark(
        name="niah",
        title="Needle in a haystack",
        capability=LONG_CONTEXT,
        prefixes=("acbench_niah",),
        lm_eval_name="acbench_niah",
        headline_metric="score",
    ),
    Benchmark(
        name="agentboard",
        title="Real-world agents",
        capability=REAL_WORLD,
        prefixes=("acbench_realworld",),
        lm_eval_name="acbench_realworld",
        headline_metric="progress_rate",
        secondary_metrics=("success_rate", "grounding_accuracy"),
        data={
            "acbench_realworld": DataSpec(
                benchmark="agentboard",
                hub_repo="hkust-nlp/agentboard",
                # main from 2025-01-25 to 2025-06-24, when ACBench ran AgentBoard
                hub_revision="c662f953684a4cfb182a3f2b998b20a973c00056",
                layout_hint="<data_dir>/data/<env>/test.jsonl and the files beside it "
                "(hkust-nlp/agentboard's data.tar.gz extracted), env one of alfworld, "
                "scienceworld, jericho, pddl, tool-query, tool-operation",
            )
        },
        needs_agent=True,
    ),
)
_BY_NAME = {b.name: b for b in BENCHMARKS}


def benchmark(name: str) -> Benchmark:
    """The catalog entry of a benchmark by its folder name (``worfbench``, ``niah``, ...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no benchmark {name!r}; known: {', '.join(_BY_NAME)}") from None


def benchmark_of(task: str) -> Benchmark | None:
    """The benchmark an lm-eval task or group belongs to (None: not an ACBench benchmark)."""
    best: tuple[int, Benchmark] | None = None
    for entry in BENCHMARKS:
        for prefix in entry.prefixes:
            if task.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), entry)
    return best[1] if best else None


def capability_of(task: str) -> str | None:
    """The capability of an ACBench task, benchmark group or capability group (else None)."""
    if task in CAPABILITY_GROUPS:
        return CAPABILITY_GROUPS[task]
    entry = benchmark_of(task)
    return entry.capability if entry else None


def needs_agent(tasks: Iterable[str]) -> bool:
    """Whether any of ``tasks`` plays agent episodes (the whole suite or an agent benchmark)."""
    for task in tasks:
        entry = benchmark_of(task)
        if task == ALL_GROUP or (entry is not None and entry.needs_agent):
            return True
    return False
