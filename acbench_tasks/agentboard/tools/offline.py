"""Our own offline tool worlds' machinery (``problem_set: sample``; not AgentBoard's tools).

These simulated worlds (:mod:`..tool_query`, :mod:`..tool_operation`) are substitutes for tests and
the demo; results on them say ``comparable_with_paper: false``. AgentBoard's own five tools live
beside this module (:mod:`.academia`, :mod:`.weather`, :mod:`.movie`, :mod:`.todo`, :mod:`.sheet`).

The agent calls a tool per turn as AgentBoard's tool tasks do::

    Action: get_weather with Action Input: {"city": "Lyon", "date": "2024-03-02"}

(``get_weather {"city": ...}`` and ``get_weather({"city": ...})`` parse too). Tools are
plain methods of the environment, described by :class:`Tool`; the arguments must be a JSON
object (single-quoted Python literals are accepted through ``ast.literal_eval``, never
``eval``). A call that does not parse, names no tool, or lacks required arguments is invalid
and leaves the world unchanged; a well-formed call on a missing entity is valid and answered
with an error message, as a real API would.
"""

from __future__ import annotations

import ast
import json
import re
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from acbench_tasks.agentboard.base import (
    INVALID_ACTION,
    Environment,
    StepResult,
    unknown_problem_set,
)

_CALL_RE = re.compile(
    r"^\s*([A-Za-z_][\w.-]*)\s*(?:with\s+action\s+input\s*:?)?\s*(.*)$", re.I | re.S
)


@dataclass(frozen=True)
class Tool:
    """One tool: name, what it does, required and optional arguments."""

    name: str
    description: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def signature(self) -> str:
        args = [f'"{a}": ...' for a in self.required] + [
            f'"{a}": ... (optional)' for a in self.optional
        ]
        return f"- {self.name}: {self.description} Action Input: {{{', '.join(args)}}}"


def parse_call(action: str) -> tuple[str, dict[str, Any]] | str:
    """``(tool, arguments)`` from an action, or the reason it does not parse."""
    match = _CALL_RE.match(str(action or ""))
    if not match:
        return "expected '<tool> with Action Input: {...}'"
    name, rest = match.group(1), match.group(2).strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    if not rest:
        return name, {}
    start, end = rest.find("{"), rest.rfind("}")
    if start < 0 or end < start:
        return f"the Action Input of {name} must be a JSON object"
    blob = rest[start : end + 1]
    for loader in (json.loads, ast.literal_eval):
        try:
            value = loader(blob)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return name, {str(k): v for k, v in value.items()}
    return f"the Action Input of {name} is not a valid JSON object"


def normalize_answer(value: Any) -> str:
    """Lower-case words and numbers only (``"3.0"`` and ``3`` compare equal)."""
    text = str(value).strip().lower()
    try:
        number = float(text.replace(",", ""))
        return f"{number:g}"
    except ValueError:
        return " ".join(re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text))


def answer_matches(answer: Any, gold: Any) -> bool:
    """Exact after normalisation, or the gold answer as whole words inside the answer."""
    said, wanted = normalize_answer(answer), normalize_answer(gold)
    if not wanted:
        return False
    return said == wanted or re.search(rf"(^| ){re.escape(wanted)}( |$)", said) is not None


def call_key(tool: str, args: Mapping[str, Any]) -> str:
    """Canonical text of a call, to compare the agent's calls with annotated subgoals."""
    return tool + json.dumps({k: normalize_answer(v) for k, v in sorted(args.items())})


class ToolEnvironment(Environment):
    """Dispatches parsed calls to ``tool_<name>`` methods; subclasses define tools and progress."""

    tools: tuple[Tool, ...] = ()
    description: str = ""
    example: str = ""
    #: problem set name -> function returning its problems
    problem_sets: ClassVar[Mapping[str, Callable[[], list[dict[str, Any]]]]] = {}

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set not in cls.problem_sets:
            raise unknown_problem_set(cls.name, problem_set, list(cls.problem_sets))
        return cls.problem_sets[problem_set]()

    def instruction(self) -> str:
        listing = "\n".join(t.signature() for t in self.tools)
        return (
            f"{self.description}\nCall one tool per turn, exactly as: Action: <tool> with Action "
            f"Input: {{json arguments}}. When you are done, call finish.\nTools:\n{listing}"
        )

    def examples(self) -> str:
        return self.example

    @abstractmethod
    def progress(self) -> float:
        """Share of the problem's annotated subgoals reached."""

    def on_call(self, tool: str, args: Mapping[str, Any]) -> None:
        """Hook: record a successful call (for call-based subgoals)."""

    def step(self, action: str) -> StepResult:
        parsed = parse_call(action)
        if isinstance(parsed, str):
            return StepResult(f"{INVALID_ACTION} ({parsed})", False, self.progress())
        name, args = parsed
        tool = next((t for t in self.tools if t.name == name), None)
        if tool is None:
            names = ", ".join(t.name for t in self.tools)
            return StepResult(
                f"{INVALID_ACTION} (no tool '{name}'; tools: {names})", False, self.progress()
            )
        missing = [a for a in tool.required if a not in args]
        unknown = [a for a in args if a not in tool.required + tool.optional]
        if missing or unknown:
            problem = (
                f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
            )
            return StepResult(
                f"{INVALID_ACTION} ({name}: {problem}; {tool.signature()[2:]})",
                False,
                self.progress(),
            )
        method: Callable[..., Any] = getattr(self, f"tool_{name}")
        try:
            result = method(**args)
        except (TypeError, ValueError, KeyError) as err:  # wrongly typed arguments
            return StepResult(f"{INVALID_ACTION} ({name}: {err})", False, self.progress())
        self.on_call(name, args)
        done = name == "finish"
        observation = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
        return StepResult(observation, True, self.progress(), done=done)
