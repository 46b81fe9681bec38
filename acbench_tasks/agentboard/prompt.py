"""The paper's act-only agent: prompt layout, history trimming and action parsing.

Each step the model reads the environment's instruction, its worked examples, the goal and the
``Action:``/``Observation:`` history, and answers with the next action (one line). Without a chat
template the prompt ends in ``Action:`` and the model continues it; with one, the instruction is
the system turn and everything else one user turn. When the prompt does not fit the context, the
oldest steps are dropped first (then the examples), never the goal or the latest observation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Message = dict[str, str]
TokenCounter = Callable[[str], int]

OMITTED = "(earlier steps omitted)"
CHAT_QUESTION = "What is your next action? Reply with one line: Action: <action>"
_ACTION_RE = re.compile(r"^\s*(?:>\s*)?(?:action\s*\d*\s*:)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One step of the history as the agent saw it."""

    action: str
    observation: str


def approx_tokens(text: str) -> int:
    """Token estimate for backends without a tokenizer (about 4 characters per token)."""
    return len(text) // 4 + 1


def _history_lines(first_observation: str, turns: Sequence[Turn], omitted: bool) -> list[str]:
    lines = [OMITTED] if omitted else [f"Observation: {first_observation}"]
    for turn in turns:
        lines += [f"Action: {turn.action}", f"Observation: {turn.observation}"]
    return lines


def build_prompt(
    instruction: str,
    examples: str,
    goal: str,
    first_observation: str,
    turns: Sequence[Turn],
    *,
    chat: bool,
    budget: int,
    count_tokens: TokenCounter = approx_tokens,
) -> str | list[Message]:
    """The step prompt (a string, or messages when ``chat``), trimmed to ``budget`` tokens."""

    def render(kept: int, with_examples: bool) -> str | list[Message]:
        body = []
        if with_examples and examples:
            body.append(f"Here are examples:\n{examples.strip()}\n")
        body.append("Now it's your turn.")
        body.append(f"Goal: {goal}")
        body += _history_lines(first_observation, turns[len(turns) - kept :], kept < len(turns))
        if chat:
            user = "\n".join(body) + "\n\n" + CHAT_QUESTION
            return [{"role": "system", "content": instruction}, {"role": "user", "content": user}]
        return instruction.strip() + "\n\n" + "\n".join(body) + "\nAction:"

    def size(prompt: str | list[Message]) -> int:
        if isinstance(prompt, list):
            return sum(count_tokens(m["content"]) + 4 for m in prompt)
        return count_tokens(prompt)

    for with_examples in (True, False):
        for kept in range(len(turns), -1, -1):
            prompt = render(kept, with_examples)
            if size(prompt) <= budget:
                return prompt
    return render(0, False)  # still too long: the backend truncates from the left


def parse_action(generation: str) -> str:
    """The action in a generation: first non-empty line, without an ``Action:`` prefix."""
    for line in str(generation or "").splitlines():
        line = _ACTION_RE.sub("", line).strip()
        if line.lower().startswith("observation"):
            return ""
        if line:
            return line
    return ""
