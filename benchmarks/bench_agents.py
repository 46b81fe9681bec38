"""Agent episodes per minute: lockstep batching vs one episode at a time, same episodes.

Plays the same episodes twice with SmolLM2 on lm-eval's HF backend (greedy, so the
trajectories are identical): once all in lockstep (one batched ``generate_until`` per step,
HF batch size = number of episodes) and once one episode at a time (batch size 1). Prints
episodes per minute for both, the speed-up, and the time spent inside the environments
(step + reset), which is the part batching cannot shrink. Issue target: ≥4× at batch 8 on the
HF backend (a GPU; on a shared CPU the forward passes are compute-bound and gain less).

Knobs (environment variables): ``AGENT_BENCH_ENV`` (``alfworld``), ``AGENT_BENCH_EPISODES``
(8), ``AGENT_BENCH_STEPS`` (5), ``AGENT_BENCH_MODEL`` (``acbench:smollm2``),
``AGENT_BENCH_DEVICE`` (``cpu``). The episodes come from one environment, as ``acbench-agent``
batches them: prompts of different environments differ in length by up to 4×, and a padded
HF batch pays for the longest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from acbench_tasks.agentboard.base import Environment, StepResult, make_environment
from acbench_tasks.agentboard.runner import EpisodeConfig, run_episodes


def problems(env: str, n: int) -> list[dict[str, Any]]:
    """The first ``n`` default-set problems of one environment (as acbench-agent groups them)."""
    from acbench_tasks.agentboard.base import environment_class

    return [{**p, "env": env} for p in environment_class(env).problems("default", {})[:n]]


class Timed(Environment):
    """Wraps an environment and adds the time spent in it to a shared counter."""

    spent = 0.0

    def __init__(self, problem: Mapping[str, Any]) -> None:
        start = time.perf_counter()
        self.inner = make_environment(problem)
        Timed.spent += time.perf_counter() - start

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        return []

    @property
    def goal(self) -> str:
        return self.inner.goal

    def instruction(self) -> str:
        return self.inner.instruction()

    def examples(self) -> str:
        return self.inner.examples()

    def reset(self) -> str:
        start = time.perf_counter()
        try:
            return self.inner.reset()
        finally:
            Timed.spent += time.perf_counter() - start

    def step(self, action: str) -> StepResult:
        start = time.perf_counter()
        try:
            return self.inner.step(action)
        finally:
            Timed.spent += time.perf_counter() - start


def play(
    lm: Any, episodes: list[dict[str, Any]], concurrency: int, steps: int
) -> tuple[float, float, list]:
    from acbench_tasks.agentboard.lm import AgentLM

    agent = AgentLM(inner=lm, agent_concurrency=concurrency)
    Timed.spent = 0.0
    start = time.perf_counter()
    results = run_episodes(
        episodes,
        agent.generate_batch,
        EpisodeConfig(max_steps=steps, max_context=agent.max_context),
        count_tokens=agent.count_tokens,
        max_concurrent=concurrency,
        make_env=Timed,
    )
    return time.perf_counter() - start, Timed.spent, results


def main() -> None:
    from lm_eval.models.huggingface import HFLM

    n = int(os.environ.get("AGENT_BENCH_EPISODES", "8"))
    steps = int(os.environ.get("AGENT_BENCH_STEPS", "5"))
    model = os.environ.get("AGENT_BENCH_MODEL", "acbench:smollm2")
    device = os.environ.get("AGENT_BENCH_DEVICE", "cpu")
    env = os.environ.get("AGENT_BENCH_ENV", "alfworld")
    episodes = problems(env, n)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"{n} {env} episodes x {steps} steps, {model} on {device} (torch threads: {threads})")
    rows = []
    for label, batch, concurrency in (("lockstep", n, n), ("one at a time", 1, 1)):
        lm = HFLM(pretrained=model, batch_size=batch, device=device)
        wall, env_time, results = play(lm, episodes, concurrency, steps)
        rows.append((label, wall, env_time, results))
        per_step = 1000 * env_time / max(1, sum(len(r.steps) for r in results))
        print(
            f"  {label:>13}: {wall:7.1f} s, {60 * n / wall:6.2f} episodes/min, "
            f"environment time {env_time:.3f} s ({per_step:.2f} ms/step)"
        )
    same = [r.transcript() for r in rows[0][3]] == [r.transcript() for r in rows[1][3]]
    speedup = rows[1][1] / rows[0][1]
    print(f"  speed-up (lockstep vs one at a time): {speedup:.2f}x; same trajectories: {same}")


if __name__ == "__main__":
    main()
