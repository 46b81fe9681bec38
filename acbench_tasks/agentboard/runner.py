"""Episode runner: many episodes advance in lockstep, one batched generation call per step.

The runner owns no model: it calls ``generate(prompts, gen_kwargs) -> generations`` once per
step with the prompts of every active episode, so any lm-eval backend batches them as it
batches ordinary requests. A finished episode's slot is refilled from the queue at the next
step. Episodes are independent and environments deterministic, so the result of each episode
does not depend on how many run beside it (``tests/test_agent_runner.py`` checks that).

An environment that raises (a dead JVM, a game error, a native engine that crashed or hung in
its worker process, see :mod:`.isolated`) ends only its own episode, which keeps what it had
reached and is flagged ``env_error``; the reason is in the transcript (``Ended: environment
error — …``). A malformed answer is never an environment error: whatever the parser makes of
it goes to the environment as an action (lone surrogates replaced), and an action longer than
:data:`~.base.MAX_ACTION_CHARS` is an invalid step with the environment's invalid-action
observation.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from acbench_tasks.agentboard.base import (
    MAX_ACTION_CHARS,
    Environment,
    MissingPiece,
    environment_class,
    make_environment,
    readable_action,
)
from acbench_tasks.agentboard.vanilla_agent import (
    ACBENCH_CONTEXT_LENGTH,
    ACBENCH_ENGINE_LENGTH,
    MEMORY_SIZE,
    PromptParts,
    Renderer,
    fit_history,
    generation_kwargs,
    parse_action,
    system_text,
    user_text,
)
from acbench_tasks.common.protocol import DEFAULT_PROTOCOL, Protocol, check_protocol

logger = logging.getLogger(__name__)

Generate = Callable[[list[Any], dict[str, Any]], list[str]]
TokenCounter = Callable[[Any], int]
RESULT_PREFIX = "Result: "
_reported: set[tuple[str, str]] = set()


def approx_tokens(prompt: Any) -> int:
    """Token estimate for backends without a tokenizer (about 4 characters per token)."""
    if isinstance(prompt, list):
        return sum(approx_tokens(m.get("content", "")) + 4 for m in prompt)
    return len(str(prompt)) // 4 + 1


@dataclass(frozen=True)
class EpisodeConfig:
    """Episode settings. ``acbench``: ACBench's (30 steps, 100 new tokens, greedy, no stop,
    history trimmed beyond 32,768 tokens, prompts over 8,192 tokens answered empty);
    ``clean``: the history is trimmed to ``max_context`` − ``max_gen_toks``."""

    max_steps: int = 30
    max_gen_toks: int = 100
    max_context: int = ACBENCH_ENGINE_LENGTH
    protocol: Protocol = DEFAULT_PROTOCOL

    def gen_kwargs(self) -> dict[str, Any]:
        return generation_kwargs(self.protocol, self.max_gen_toks)

    @property
    def trim_budget(self) -> int:
        if self.protocol == "acbench":
            return ACBENCH_CONTEXT_LENGTH - self.max_gen_toks
        return self.max_context - self.max_gen_toks

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EpisodeConfig:
        known = {k: values[k] for k in ("max_steps", "max_gen_toks", "max_context") if k in values}
        return cls(
            **{k: int(v) for k, v in known.items()},
            protocol=check_protocol(values.get("protocol")),
        )


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
    """One problem being played: its environment, the agent's history and best progress."""

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
        self.history: list[tuple[str, str]] = []
        self.finished = False
        self.env: Environment | None = None
        self.parts: PromptParts | None = None
        try:
            self.env = make_env(problem)
            self.result.first_observation = self.env.reset()
            self.result.goal = self.env.goal
            self.parts = self.env.prompt_parts()
            self.history = [("Observation", self.result.first_observation)]
        except Exception as err:  # any failure of the environment ends only this episode
            self._crash("reset", err)

    def prompt(self, render: Renderer, count_tokens: TokenCounter = approx_tokens) -> Any:
        """The rendered step prompt; the history trimmed as the protocol trims it."""
        assert self.parts is not None
        system = system_text(self.parts)
        history = fit_history(
            self.history,
            lambda kept: count_tokens(
                render(system, user_text(self.parts, self.result.goal, kept))
            ),
            self.config.trim_budget,
            MEMORY_SIZE,
        )
        return render(system, user_text(self.parts, self.result.goal, history))

    def over_engine_limit(self, prompt: Any, count_tokens: TokenCounter) -> bool:
        """ACBench's engine took at most ``max_context`` prompt tokens (answer: empty)."""
        return self.config.protocol == "acbench" and count_tokens(prompt) > self.config.max_context

    def advance(self, generation: str) -> None:
        """Parse the model's answer, apply it, record the step."""
        assert self.env is not None and not self.finished
        action = readable_action(parse_action(self.config.protocol, generation))
        if len(action) > MAX_ACTION_CHARS:
            shown = action[:80] + f"… ({len(action):,} characters)"
            observation = self.env.invalid_observation
            self.result.steps.append(
                StepRecord(generation, shown, observation, False, self.result.progress_rate)
            )
            self.history += [("Action", shown), ("Observation", observation)]
            if len(self.result.steps) >= self.config.max_steps:
                self._finish("step limit")
            return
        try:
            outcome = self.env.step(action)
        except Exception as err:  # a dead JVM, a game error: keep what was reached
            self.result.steps.append(StepRecord(generation, action, f"[error] {err}", False, 0.0))
            self._crash("step", err)
            return
        shown = action if outcome.action is None else outcome.action
        progress = min(max(float(outcome.progress), 0.0), 1.0)
        self.result.steps.append(
            StepRecord(generation, shown, outcome.observation, outcome.valid, progress)
        )
        self.history += [("Action", shown), ("Observation", outcome.observation)]
        self.result.progress_rate = max(self.result.progress_rate, progress)
        success = progress >= 1.0 if outcome.success is None else bool(outcome.success)
        if success:
            self.result.success = True
            self._finish("goal reached")
        elif outcome.done:
            self._finish("environment ended the episode")
        elif len(self.result.steps) >= self.config.max_steps:
            self._finish("step limit")

    def _crash(self, where: str, err: Exception) -> None:
        message = f"{type(err).__name__}: {err}"
        key = (self.result.env, str(err))
        if isinstance(err, MissingPiece):
            if key not in _reported:  # one line per missing piece, not one per episode
                _reported.add(key)
                logger.error("%s: %s; its episodes end here", self.result.env, err)
        else:
            logger.warning(
                "%s episode %s: environment error in %s: %s",
                self.result.env,
                self.result.problem_id,
                where,
                message,
            )
        self.result.error = f"environment error in {where}: {message}"
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
    render: Renderer | None = None,
    max_concurrent: int = 64,
    make_env: Callable[[Mapping[str, Any]], Environment] = make_environment,
    on_step: Callable[[int, int], None] | None = None,
) -> list[EpisodeResult]:
    """Play every problem; results in input order.

    ``render`` turns (system, user) into what ``generate`` takes (ACBench's wrapper or the
    backend's chat template; default: plain text). ``max_concurrent`` caps episodes in flight;
    each environment class caps its own (``Environment.max_parallel``). ``on_step(done, total)``
    reports finished episodes after every step.
    """
    render = render or Renderer(protocol=config.protocol)
    gen_kwargs = config.gen_kwargs()
    pending = list(enumerate(problems))[::-1]
    active: list[tuple[int, Episode]] = []
    results: list[EpisodeResult | None] = [None] * len(problems)
    done = 0

    def cap(problem: Mapping[str, Any]) -> int:
        try:
            kind = environment_class(str(problem.get("env", "")), str(problem.get("source", "")))
            return kind.max_parallel
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
        prompts = [episode.prompt(render, count_tokens) for _, episode in active]
        asked = [
            i
            for i, ((_, episode), prompt) in enumerate(zip(active, prompts, strict=True))
            if not episode.over_engine_limit(prompt, count_tokens)
        ]
        answers = generate([prompts[i] for i in asked], dict(gen_kwargs)) if asked else []
        if len(answers) != len(asked):
            raise RuntimeError(f"generate returned {len(answers)} answers for {len(asked)} prompts")
        generations = [""] * len(prompts)  # over ACBench's engine limit: an empty answer
        for i, answer in zip(asked, answers, strict=True):
            generations[i] = answer
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
