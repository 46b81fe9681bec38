"""lm-eval tasks for the real-world agent environments (``acbench_realworld``).

Each document is one problem. The task does not build a text prompt: it sends an
``agent_episode`` request carrying the problem and the episode settings, which only
``--model acbench-agent`` (:mod:`acbench_tasks.agentboard.lm`) answers, by playing the episode and
returning its person-readable trajectory. ``process_results`` reads the metrics from the last
line of that trajectory: progress rate, success rate, grounding accuracy, environment errors.

Task metadata (YAML ``metadata`` or ``--metadata``):

* ``problem_set``: ``agentboard`` (the default: AgentBoard's own problems, scored as AgentBoard
  scores them), ``sample`` (our small offline worlds, for tests and the demo; also selected by
  ``data_source: sample``) or ``generated`` (our offline worlds at the paper's sizes). Results on
  ours say ``comparable_with_paper: false``.
* ``protocol``: ``acbench`` (the default: the agent as ACBench ran it) or ``clean`` (our
  corrected agent); see :mod:`acbench_tasks.agentboard.vanilla_agent`.
* ``max_steps`` (30), ``max_gen_toks`` (100), ``max_context`` (8192);
* data and upstream texts: ``data_source``/``data_dir`` (:mod:`.data`), ``upstream_dir``,
  ``prompt_dir``, ``pddl_dir``, ``chat_templates_file`` (:mod:`.upstream`).

The protocol, the problem set, the data and prompt revisions and whether the numbers can be set
next to the paper's are written into the task's metadata, so ``configs.<task>.metadata`` of the
results file says what was run.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import datasets
from lm_eval.api.instance import Instance

from acbench_core.data_sources import (
    Provenance,
    merge_provenance,
    package_version,
    provenance_fields,
)
from acbench_tasks.agentboard import data, upstream
from acbench_tasks.agentboard.base import AGENTBOARD, environment_class, make_environment
from acbench_tasks.agentboard.runner import EpisodeConfig, parse_result
from acbench_tasks.common.chat import ChatTask
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.protocol import check_protocol

REQUEST_TYPE = "agent_episode"
METRICS = ("progress_rate", "success_rate", "grounding_accuracy", "env_error", "steps")
ZERO_METRICS = {name: 0.0 for name in METRICS}
register_mean_metrics(METRICS)


PROBLEM_SETS = ("agentboard", "sample", "generated")
#: Metadata keys naming local copies of upstream texts, passed on to the episodes.
UPSTREAM_KEYS = ("upstream_dir", "prompt_dir", "pddl_dir", "chat_templates_file")


def problem_set_for(metadata: Mapping[str, Any]) -> str:
    """``problem_set`` if given; else ``sample`` when the project-wide data source is the
    samples (``--metadata '{"data_source": "sample"}'`` or ``ACBENCH_DATA_SOURCE=sample``);
    else ``agentboard`` (AgentBoard's problems)."""
    if metadata.get("problem_set"):
        chosen = str(metadata["problem_set"])
        if chosen not in PROBLEM_SETS:
            raise ValueError(
                f"unknown problem_set {chosen!r}; choose one of {', '.join(PROBLEM_SETS)} "
                '(--metadata \'{"problem_set": "sample"}\')'
            )
        return chosen
    source = metadata.get("data_source") or os.environ.get("ACBENCH_DATA_SOURCE")
    return "sample" if str(source).lower() == "sample" else "agentboard"


def load_problems(agent_env: str, **metadata: Any) -> list[dict[str, Any]]:
    """Documents of one environment: ``id``, ``env``, ``goal`` and the problem as JSON."""
    problem_set = problem_set_for(metadata)
    if problem_set == AGENTBOARD:
        problems = environment_class(agent_env, AGENTBOARD).problems(AGENTBOARD, metadata)
        extra = {"source": AGENTBOARD}
    else:  # our own worlds; their paper-sized sets are called "default" inside
        own = "default" if problem_set == "generated" else problem_set
        problems = environment_class(agent_env).problems(own, metadata)
        extra = {}
    docs = []
    for problem in problems:
        docs.append(
            {
                "id": str(problem["id"]),
                "env": agent_env,
                "goal": str(problem.get("goal", "")),
                "problem": json.dumps({**problem, **extra, "env": agent_env}, sort_keys=True),
            }
        )
    return docs


def run_metadata(agent_env: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """What a run of this task plays, for ``configs.<task>.metadata`` (no download)."""
    problem_set = problem_set_for(metadata)
    protocol = check_protocol(metadata.get("protocol"))
    info: dict[str, Any] = {"protocol": protocol, "problem_set": problem_set}
    if problem_set == AGENTBOARD:
        merge_provenance(info, data.provenance(metadata))
        merge_provenance(info, upstream.provenance(metadata))
    else:
        # our own worlds and prompts, versioned with this package
        kind = "sample" if problem_set == "sample" else "generated"
        record = Provenance(
            kind, f"acbench:agentboard/{problem_set}", package_version("acbench"), pinned=True
        )
        info.update({"data_source": "acbench offline worlds", "prompt_revision": "acbench"})
        info.update(provenance_fields(data=[record]))
    info["comparable_with_paper"] = problem_set == AGENTBOARD and protocol == "acbench"
    return info


def load_dataset(agent_env: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one environment's problems as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_problems(agent_env, **metadata))}
    )


logger = logging.getLogger(__name__)


class AgentTask(ChatTask):
    """One environment's problems, each played as a multi-turn episode by ``acbench-agent``."""

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(config=config, **kwargs)
        metadata = self.config.metadata if isinstance(self.config.metadata, dict) else {}
        agent_env = str((self.config.dataset_kwargs or {}).get("agent_env", ""))
        self.config.metadata = {**metadata, **run_metadata(agent_env, metadata)}

    def settings(self) -> dict[str, Any]:
        metadata = self.config.metadata or {}
        defaults = EpisodeConfig()
        return {
            "max_steps": int(metadata.get("max_steps", defaults.max_steps)),
            "max_gen_toks": int(metadata.get("max_gen_toks", defaults.max_gen_toks)),
            "max_context": int(metadata.get("max_context", defaults.max_context)),
            "protocol": check_protocol(metadata.get("protocol")),
            "upstream": {k: str(metadata[k]) for k in UPSTREAM_KEYS if metadata.get(k)},
        }

    def doc_to_text(self, doc: dict, doc_to_text: Any = None) -> str:
        return f"[{doc['env']} {doc['id']}] {doc['goal']}"

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return ""

    def fewshot_context(self, doc: dict, num_fewshot: int, *args: Any, **kwargs: Any) -> str:
        """The request payload: the problem and the episode settings, as JSON.

        The chat template is the protocol's business (``--apply_chat_template`` changes nothing).
        """
        return json.dumps(
            {"problem": json.loads(doc["problem"]), "settings": self.settings()}, sort_keys=True
        )

    def construct_requests(self, doc: dict, ctx: Any, **kwargs: Any) -> Instance:
        kwargs.pop("apply_chat_template", None)
        kwargs.pop("chat_template", None)
        return Instance(request_type=REQUEST_TYPE, doc=doc, arguments=(ctx, {}), idx=0, **kwargs)

    def embedded_examples(self) -> int:
        """Worked trajectories in the agent's prompt: those of AgentBoard's prompt file (AlfWorld:
        the problem's own), or the one example of our offline worlds."""
        docs = self.eval_docs
        if not len(docs):
            return 0
        try:
            env = make_environment(json.loads(docs[0]["problem"]))
            return len(env.prompt_parts().examples)
        except Exception as err:  # a missing engine or file: n-shot unknown, the run goes on
            logger.debug("%s: cannot count the prompt's examples (%s)", self.config.task, err)
            return 0

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        metrics = parse_result(results[0] if results else "")
        if metrics is None:  # not a transcript: count the episode as failed
            return dict(ZERO_METRICS)
        return {name: metrics.get(name, 0.0) for name in METRICS}
