"""Episode runner: many episodes advance in lockstep, one batched generation call per step.

The runner owns no model: it calls ``generate(prompts, gen_kwargs) -> generations`` once per
step with the prompts of every active episode, so any lm-eval backend batches them as it
batches ordinary requests. A finished episode's slot is refilled from the queue at the next
step. Episodes are independent and environments deterministic, so the result of each episode
does not depend on how many run beside it (``tests/test_agent_runner.py`` checks that).

An environment that raises (a dead JVM, a game error) ends only its own episode, which keeps
what it had reached and is flagged ``env_error``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from acbench_tasks.agentboard.base import Environment, environment_class, make_environment
from acbench_tasks.agentboard.prompt import (
    TokenCounter,
    Turn,
    approx_tokens,
    build_prompt,
    parse_action,
)

logger = logging.getLogger(__name__)

Generate = Callable[[list[Any], dict[str, Any]], list[str]]
RESULT_PREFIX = "Result: "


@dataclass(frozen=True)
class EpisodeConfig:
    """ACBench's agent settings: ≤30 steps, ≤100 new tokens per step, greedy, 8k context."""

    max_steps: int = 30
    max_gen_toks: int = 100
    max_context: int = 8192
    chat: bool = False

    def gen_kwargs(self) -> dict[str, Any]:
        until = ["\nObservation", "\n\n"] if self.chat else ["\n"]
        return {"until": until, "max_gen_toks": self.max_gen_toks, "do_sample": False}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EpisodeConfig:
        known = {k: values[k] for k in ("max_steps", "max_gen_toks", "max_context") if k in values}
        return cls(**{k: int(v) for k, v in known.items()}, chat=bool(values.get("chat", False)))


@dataclass
class StepRecord:
    """One step as logged: the raw generation, the parsed action and what it did."""

    generation: str
    action: str
    observation: str
    valid: bool
    progress: float


@dataclass
class EpisodeResult:
    """Outcome of one episode: best progress, success, grounding, and the trajectory."""

    env: str
    problem_id: str
    goal: str
    first_observation: str = ""
    steps: list[StepRecord] = field(default_factory=list)
    progress_rate: float = 0.0
    success: bool = False
    ended: str = "step limit"
    error: str | None = None

    @property
    def grounding_accuracy(self) -> float:
        """Share of actions the environment accepted (0 when no action was taken)."""
        return sum(s.valid for s in self.steps) / len(self.steps) if self.steps else 0.0

    def metrics(self) -> dict[str, float]:
        return {
            "progress_rate": self.progress_rate,
            "success_rate": float(self.success),
            "grounding_accuracy": self.grounding_accuracy,
            "env_error": float(self.error is not None),
            "steps": float(len(self.steps)),
        }

    def transcript(self) -> str:
        """A person-readable trajectory, ending in one ``Result:`` line of JSON metrics."""
        lines = [
            f"Environment: {self.env} ({self.problem_id})",
            f"Goal: {self.goal}",
            f"Observation: {self.first_observation}",
        ]
        for number, step in enumerate(self.steps, 1):
            status = "valid" if step.valid else "INVALID"
            action = step.action or "(none)"
            lines.append(f"[{number}] Action: {action}  ({status}, progress {step.progress:.2f})")
            if step.generation.strip() != step.action:
                lines.append(f"    generated: {step.generation.strip()!r}")
            lines.append(f"    Observation: {step.observation}")
        tail = f"Ended: {self.ended}" + (f" — {self.error}" if self.error else "")
        lines.append(tail)
        lines.append(RESULT_PREFIX + json.dumps(self.metrics(), sort_keys=True))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "metrics": self.metrics()}


def parse_result(transcript: str) -> dict[str, float] | None:
    """Metrics from the last ``Result:`` line of a transcript; ``None`` when there is none."""
    for line in reversed(str(transcript or "").splitlines()):
        if line.startswith(RESULT_PREFIX):
            try:
                values = json.loads(line[len(RESULT_PREFIX) :])
            except json.JSONDecodeError:
                return None
            if isinstance(values, dict):
                return {k: float(v) for k, v in values.items() if isinstance(v, (int, float))}
    return None


class Episode:
    """One problem being played: its environment, history and best progress so far."""

    def __init__(
        self,
        problem: Mapping[str, Any],
        config: EpisodeConfig,
        make_env: Callable[[Mapping[str, Any]], Environment] = make_environment,
    ) -> None:
        self.config = config
        self.problem = problem
        self.result = EpisodeResult(
            env=str(problem.get("env", "")),
            problem_id=str(problem.get("id", "")),
            goal=str(problem.get("goal", "")),
        )
        self.turns: list[Turn] = []
        self.finished = False
        self.env: Environment | None = None
        try:
            self.env = make_env(problem)
            self.result.goal = self.env.goal
            self.result.first_observation = self.env.reset()
        except Exception as err:  # any failure of the environment ends only this episode
            self._crash("reset", err)

    def prompt(self, count_tokens: TokenCounter = approx_tokens) -> str | list[dict[str, str]]:
        assert self.env is not None
        return build_prompt(
            self.env.instruction(),
            self.env.examples(),
            self.result.goal,
            self.result.first_observation,
            self.turns,
            chat=self.config.chat,
            budget=self.config.max_context - self.config.max_gen_toks,
            count_tokens=count_tokens,
        )

    def advance(self, generation: str) -> None:
        """Parse the model's answer, apply it, record the step."""
        assert self.env is not None and not self.finished
        action = parse_action(generation)
        try:
            outcome = self.env.step(action)
        except Exception as err:  # a dead JVM, a game error: keep what was reached
            self.result.steps.append(StepRecord(generation, action, f"[error] {err}", False, 0.0))
            self._crash("step", err)
            return
        progress = min(max(float(outcome.progress), 0.0), 1.0)
        self.result.steps.append(
            StepRecord(generation, action, outcome.observation, outcome.valid, progress)
        )
        self.turns.append(Turn(action, outcome.observation))
        self.result.progress_rate = max(self.result.progress_rate, progress)
        if progress >= 1.0:
            self.result.success = True
            self._finish("goal reached")
        elif outcome.done:
            self._finish("environment ended the episode")
        elif len(self.result.steps) >= self.config.max_steps:
            self._finish("step limit")

    def _crash(self, where: str, err: Exception) -> None:
        logger.warning(
            "%s episode %s: environment error in %s: %s",
            self.result.env,
            self.result.problem_id,
            where,
            err,
        )
        self.result.error = f"environment error in {where}: {type(err).__name__}: {err}"
        self._finish("environment error")

    def _finish(self, reason: str) -> None:
        self.result.ended = reason
        self.finished = True
        if self.env is not None:
            try:
                self.env.close()
            except Exception as err:  # cleanup must not end the run
                logger.warning("closing %s failed: %s", self.result.env, err)


def run_episodes(
    problems: Sequence[Mapping[str, Any]],
    generate: Generate,
    config: EpisodeConfig,
    *,
    count_tokens: TokenCounter = approx_tokens,
    render: Callable[[Any], Any] | None = None,
    max_concurrent: int = 64,
    make_env: Callable[[Mapping[str, Any]], Environment] = make_environment,
    on_step: Callable[[int, int], None] | None = None,
) -> list[EpisodeResult]:
    """Play every problem; results in input order.

    ``render`` turns a prompt (string or message list) into what ``generate`` takes (for chat
    prompts: the backend's ``apply_chat_template``). ``max_concurrent`` caps episodes in flight;
    each environment class caps its own (``Environment.max_parallel``). ``on_step(done, total)``
    reports finished episodes after every step.
    """
    render = render or (lambda prompt: prompt)
    gen_kwargs = config.gen_kwargs()
    pending = list(enumerate(problems))[::-1]
    active: list[tuple[int, Episode]] = []
    results: list[EpisodeResult | None] = [None] * len(problems)
    done = 0

    def cap(problem: Mapping[str, Any]) -> int:
        try:
            return environment_class(str(problem.get("env", ""))).max_parallel
        except ValueError:
            return max_concurrent

    while pending or active:
        running = Counter(ep.result.env for _, ep in active)
        deferred = []
        while pending and len(active) < max_concurrent:
            index, problem = pending.pop()
            kind = str(problem.get("env", ""))
            if running[kind] >= cap(problem):
                deferred.append((index, problem))
                continue
            episode = Episode(problem, config, make_env)
            if episode.finished:  # could not even start
                results[index] = episode.result
                done += 1
                continue
            running[kind] += 1
            active.append((index, episode))
        pending.extend(reversed(deferred))
        if not active:
            continue
        prompts = [render(episode.prompt(count_tokens)) for _, episode in active]
        generations = generate(prompts, dict(gen_kwargs))
        if len(generations) != len(prompts):
            raise RuntimeError(
                f"generate returned {len(generations)} answers for {len(prompts)} prompts"
            )
        still = []
        for (index, episode), generation in zip(active, generations, strict=True):
            episode.advance(generation)
            if episode.finished:
                results[index] = episode.result
                done += 1
            else:
                still.append((index, episode))
        active = still
        if on_step is not None:
            on_step(done, len(problems))
    return [r for r in results if r is not None]
