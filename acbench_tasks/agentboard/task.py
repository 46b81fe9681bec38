"""lm-eval tasks for the real-world agent environments (``acbench_realworld``).

Each document is one problem. The task does not build a text prompt: it sends an
``agent_episode`` request carrying the problem and the episode settings, which only
``--model acbench-agent`` (:mod:`acbench_tasks.agentboard.lm`) answers, by playing the episode and
returning its person-readable trajectory. ``process_results`` reads the metrics from the last
line of that trajectory: progress rate, success rate, grounding accuracy, environment errors.

Task metadata (YAML ``metadata`` or ``--metadata``): ``problem_set`` (``default``, the
paper-sized sets, or ``sample``; ``data_source: sample`` also selects the samples),
``max_steps`` (30), ``max_gen_toks`` (100), ``max_context`` (8192), plus environment options
(``pddl_dir``, ``game_dir``; see each environment's module).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import datasets
from lm_eval.api.instance import Instance

from acbench_tasks.agentboard.base import environment_class
from acbench_tasks.agentboard.runner import EpisodeConfig, parse_result
from acbench_tasks.common.chat import ChatTask
from acbench_tasks.common.metrics import register_mean_metrics

REQUEST_TYPE = "agent_episode"
METRICS = ("progress_rate", "success_rate", "grounding_accuracy", "env_error", "steps")
ZERO_METRICS = {name: 0.0 for name in METRICS}
register_mean_metrics(METRICS)


def problem_set_for(metadata: Mapping[str, Any]) -> str:
    """``problem_set`` if given; else ``sample`` when the project-wide data source is the
    samples (``--metadata '{"data_source": "sample"}'`` or ``ACBENCH_DATA_SOURCE=sample``);
    else ``default`` (the paper-sized sets)."""
    if metadata.get("problem_set"):
        return str(metadata["problem_set"])
    source = metadata.get("data_source") or os.environ.get("ACBENCH_DATA_SOURCE")
    return "sample" if str(source).lower() == "sample" else "default"


def load_problems(agent_env: str, **metadata: Any) -> list[dict[str, Any]]:
    """Documents of one environment: ``id``, ``env``, ``goal`` and the problem as JSON."""
    problem_set = problem_set_for(metadata)
    docs = []
    for problem in environment_class(agent_env).problems(problem_set, metadata):
        docs.append(
            {
                "id": str(problem["id"]),
                "env": agent_env,
                "goal": str(problem.get("goal", "")),
                "problem": json.dumps({**problem, "env": agent_env}, sort_keys=True),
            }
        )
    return docs


def load_dataset(agent_env: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one environment's problems as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_problems(agent_env, **metadata))}
    )


class AgentTask(ChatTask):
    """One environment's problems, each played as a multi-turn episode by ``acbench-agent``."""

    def settings(self, chat: bool) -> dict[str, Any]:
        metadata = self.config.metadata or {}
        defaults = EpisodeConfig()
        return {
            "max_steps": int(metadata.get("max_steps", defaults.max_steps)),
            "max_gen_toks": int(metadata.get("max_gen_toks", defaults.max_gen_toks)),
            "max_context": int(metadata.get("max_context", defaults.max_context)),
            "chat": bool(chat),
        }

    def doc_to_text(self, doc: dict, doc_to_text: Any = None) -> str:
        return f"[{doc['env']} {doc['id']}] {doc['goal']}"

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return ""

    def fewshot_context(self, doc: dict, num_fewshot: int, *args: Any, **kwargs: Any) -> str:
        """The request payload: the problem and the episode settings, as JSON."""
        chat = bool(kwargs.get("apply_chat_template", args[2] if len(args) > 2 else False))
        return json.dumps(
            {"problem": json.loads(doc["problem"]), "settings": self.settings(chat)},
            sort_keys=True,
        )

    def construct_requests(self, doc: dict, ctx: Any, **kwargs: Any) -> Instance:
        kwargs.pop("apply_chat_template", None)
        kwargs.pop("chat_template", None)
        return Instance(request_type=REQUEST_TYPE, doc=doc, arguments=(ctx, {}), idx=0, **kwargs)

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        metrics = parse_result(results[0] if results else "")
        if metrics is None:  # not a transcript: count the episode as failed
            return dict(ZERO_METRICS)
        return {name: metrics.get(name, 0.0) for name in METRICS}
