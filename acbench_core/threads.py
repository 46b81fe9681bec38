"""How many torch CPU threads to use when the user did not say: the cores nobody else is using.

torch starts one intra-op (OpenMP) thread per core and every parallel region ends at a barrier
that waits for all of them. When other processes keep some of the cores busy, the operating
system deschedules one of our threads and the whole region waits for it. GPTQ's calibration is
thousands of small column updates, so it pays that wait thousands of times: on a 2-core machine
with both cores taken by two busy processes, GPTQ on SmolLM2 took 1,945 s instead of 36 s (53x)
while generation slowed 3.7x. With one thread per *idle* core GPTQ took 172 s and generation
1.5x longer (``benchmarks/bench_contention.py`` measures both).

:func:`choose_threads` is the pure rule; :func:`use_cpu_threads` measures the machine, applies the
choice to torch and returns it so that runs can record it; :func:`cpu_threads` does the same for
one block and restores torch's count after it. A count the user gives always wins.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: A core counts as idle when others use at most this share of it.
IDLE_SHARE = 0.25
_PROC_STAT = Path("/proc/stat")
_torch_default: int | None = None


@dataclass(frozen=True)
class ThreadChoice:
    """The torch CPU thread count a run used, and why."""

    threads: int
    cpus: int  # CPUs this process may run on
    busy_cpus: float | None  # CPUs other processes kept busy when the choice was made
    chosen_by: str  # "user", "idle cores" or "torch default" (load unknown)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choose_threads(
    requested: int | None, *, cpus: int, busy_cpus: float | None, default: int
) -> ThreadChoice:
    """The thread count for ``requested`` (the user's, wins) or else one per idle core.

    ``default`` is torch's own count (one per physical core); the choice never exceeds it and is
    at least 1. ``busy_cpus=None`` (load unknown) keeps torch's default.
    """
    if requested is not None:
        if requested < 1:
            raise ValueError(f"threads must be at least 1, got {requested}")
        return ThreadChoice(requested, cpus, busy_cpus, "user")
    default = max(1, min(default, cpus))
    if busy_cpus is None:
        return ThreadChoice(default, cpus, None, "torch default")
    idle = int(cpus - busy_cpus + IDLE_SHARE)
    return ThreadChoice(max(1, min(default, idle)), cpus, round(busy_cpus, 2), "idle cores")


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from ``/proc/stat``; None where unreadable."""
    try:
        fields = _PROC_STAT.read_text().split("\n", 1)[0].split()
        values = [int(v) for v in fields[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    if len(values) < 8:
        return None
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return total - idle, total


def busy_cpus(interval_s: float = 0.25) -> float | None:
    """How many CPUs other processes keep busy, sampled over ``interval_s`` while we sleep."""
    first = _cpu_times()
    if first is None:
        return None
    time.sleep(interval_s)
    second = _cpu_times()
    if second is None or second[1] <= first[1]:
        return None
    share = (second[0] - first[0]) / (second[1] - first[1])
    return share * (os.cpu_count() or 1)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def use_cpu_threads(requested: int | None = None) -> ThreadChoice:
    """Choose the torch CPU thread count (see the module docstring), apply it and return it."""
    import torch

    global _torch_default
    if _torch_default is None:
        _torch_default = torch.get_num_threads()
    cpus = available_cpus()
    load = None if requested is not None else busy_cpus()
    choice = choose_threads(requested, cpus=cpus, busy_cpus=load, default=_torch_default)
    torch.set_num_threads(choice.threads)
    return choice


@contextmanager
def cpu_threads(requested: int | None = None) -> Iterator[ThreadChoice]:
    """:func:`use_cpu_threads` for the duration of a block; torch's previous count after it."""
    import torch

    previous = torch.get_num_threads()
    try:
        yield use_cpu_threads(requested)
    finally:
        torch.set_num_threads(previous)


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N`` for a command that runs torch (what :func:`use_cpu_threads` takes)."""
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: one per core other processes leave idle)",
    )
