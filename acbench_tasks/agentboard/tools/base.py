"""What the five AgentBoard tools share: the call table, the call log and the dispatch.

A :class:`ToolWorld` is one tool for one problem (AgentBoard builds a fresh toolkit per problem).
Each action name maps to a :class:`ToolCall`: the method that runs it and the keys it reads from
the Action Input, read as AgentBoard reads them (``params["node"]``, so a missing key is a
``KeyError`` and a non-dict input a ``TypeError``, both turned into ``ERROR | ...`` observations
by the environment). A method returns ``(ok, result)``; the world logs every call as AgentBoard's
``log_path`` does, with the *Subgoal* that progress is computed from, and the observation is
``str(result)``. Exceptions other than those are not caught here: they are the ``ERROR | ...``
path of the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.rules import failed_call_subgoal

Outcome = tuple[bool, Any]


@dataclass(frozen=True)
class ToolCall:
    """An action: the world's method and the Action Input keys passed to it, in order.

    ``required`` keys are read with ``params[key]``, ``optional`` ones with ``params.get(key)``.
    """

    method: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def arguments(self, params: Any) -> dict[str, Any]:
        kwargs = {key: params[key] for key in self.required}
        kwargs.update({key: params.get(key) for key in self.optional})
        return kwargs


@dataclass(frozen=True)
class LoggedCall:
    """One tool call as AgentBoard's ``action_path`` keeps it."""

    action: str
    action_input: str
    observation: Any
    subgoal: Any


class ToolWorld:
    """One AgentBoard tool for one problem. Subclasses fill ``calls`` and the methods."""

    #: Tool name as in the data (``additional_info.tool``).
    name: ClassVar[str] = ""
    #: Action name -> call.
    calls: ClassVar[Mapping[str, ToolCall]] = {}
    #: Whether ``check_valid_actions`` lists the action names (all tools but sheet).
    lists_actions: ClassVar[bool] = True

    def __init__(self, action_names: Sequence[str] = ()) -> None:
        self.action_names = list(action_names)
        self.log: list[LoggedCall] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Prepare the service for the problem (todo: reset the account; sheet: copy the file)."""

    def close(self) -> None:
        """Release what :meth:`start` took."""

    # ------------------------------------------------------------------ calls
    def clean_subgoal(self, result: Any) -> Any:
        """The Subgoal logged for a successful result (some tools drop volatile keys)."""
        return result

    def invalid_action(self, action: str) -> str:
        return f"ERROR | Invalid action: {action}."

    def subgoals(self) -> list[Any]:
        """The Subgoals logged so far, in call order."""
        return [entry.subgoal for entry in self.log]

    def run(self, action: str, params: Any) -> str:
        """Run one action; the observation text. Exceptions are the caller's ``ERROR`` path."""
        if action == "check_valid_actions" and self.lists_actions:
            return f"You can use following valid actions: {self.action_names}"
        call = self.calls.get(action)
        if call is None:
            return self.invalid_action(action)
        return str(self.invoke(call, call.arguments(params)))

    def invoke(self, call: ToolCall, kwargs: Mapping[str, Any]) -> Any:
        """Call a method and log it; returns the result (the failure text when it failed)."""
        ok, result = getattr(self, call.method)(**kwargs)
        subgoal = self.clean_subgoal(result) if ok else failed_call_subgoal(call.method, kwargs)
        self.log.append(LoggedCall(call.method, str(dict(kwargs)), result, subgoal))
        return result

    # ------------------------------------------------------------------ shared tools
    def finish(self, answer: Any) -> Outcome:
        """The answer (a list is sorted) — logged, so it can match the last gold subgoal."""
        if type(answer) is list:
            answer = sorted(answer)
        return True, answer
