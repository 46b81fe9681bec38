"""The torch thread choice: one per core other processes leave idle; the user's count wins."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from acbench_core import threads
from acbench_core.threads import choose_threads, cpu_threads


@pytest.mark.parametrize(
    ("cpus", "busy", "default", "expected"),
    [
        (2, 0.0, 2, 2),  # quiet machine: torch's own count
        (2, 0.2, 2, 2),  # a little background work leaves both cores idle enough
        (2, 0.3, 2, 1),  # more than a quarter of a core taken: that core is not idle
        (2, 1.0, 2, 1),  # one core busy
        (2, 2.0, 2, 1),  # all busy: still one thread
        (2, 2.7, 2, 1),  # more runnable work than cores (load above the count)
        (16, 5.1, 8, 8),  # never more than torch's default (physical cores)
        (16, 10.0, 8, 6),
    ],
)
def test_one_thread_per_idle_core(cpus: int, busy: float, default: int, expected: int) -> None:
    choice = choose_threads(None, cpus=cpus, busy_cpus=busy, default=default)
    assert (choice.threads, choice.chosen_by) == (expected, "idle cores")
    assert choice.busy_cpus == busy and choice.cpus == cpus


def test_the_users_count_wins_and_unknown_load_keeps_torchs() -> None:
    assert choose_threads(3, cpus=2, busy_cpus=2.0, default=2).threads == 3
    assert choose_threads(3, cpus=2, busy_cpus=None, default=2).chosen_by == "user"
    unknown = choose_threads(None, cpus=4, busy_cpus=None, default=4)
    assert (unknown.threads, unknown.chosen_by) == (4, "torch default")
    with pytest.raises(ValueError, match="at least 1"):
        choose_threads(0, cpus=2, busy_cpus=None, default=2)


def _fake_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> None:
    """/proc/stat that answers ``lines`` in turn (one per read)."""
    files = []
    for i, line in enumerate(lines):
        path = tmp_path / f"stat{i}"
        path.write_text(line + "\ncpu0 1 2 3 4\n")
        files.append(path)
    reads = iter(files)

    class Stat:
        def read_text(self) -> str:
            return next(reads).read_text()

    monkeypatch.setattr(threads, "_PROC_STAT", Stat())
    monkeypatch.setattr(threads.time, "sleep", lambda s: None)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)


def test_busy_cpus_from_proc_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # user nice system idle iowait irq softirq steal: between the two reads 150 of 200 jiffies
    # were busy (user 100 + system 50), 50 idle (idle 40 + iowait 10) -> 0.75 x 2 CPUs.
    _fake_stat(
        tmp_path,
        monkeypatch,
        ["cpu  1000 0 500 8000 100 0 0 0", "cpu  1100 0 550 8040 110 0 0 0"],
    )
    assert threads.busy_cpus() == pytest.approx(1.5)


@pytest.mark.parametrize(
    "lines",
    [
        ["garbage", "cpu 1 2"],  # unreadable
        ["cpu  1 0 1 1 0 0 0 0", "cpu  1 0 1 1 0 0 0 0"],  # no time passed
    ],
)
def test_busy_cpus_unknown(lines: list[str], tmp_path: Path, monkeypatch) -> None:
    _fake_stat(tmp_path, monkeypatch, lines)
    assert threads.busy_cpus() is None


def test_cpu_threads_applies_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "busy_cpus", lambda interval_s=0.25: 5.0)
    before = torch.get_num_threads()
    with cpu_threads(None) as choice:
        assert choice.threads == torch.get_num_threads() == 1  # every core busy
        assert choice.chosen_by == "idle cores"
    assert torch.get_num_threads() == before
    with cpu_threads(2) as choice:
        assert torch.get_num_threads() == 2 and choice.busy_cpus is None
    assert torch.get_num_threads() == before
