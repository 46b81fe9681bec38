"""AgentBoard's VanillaAgent as ACBench ran it, and our corrected agent: prompt, wrap, parse.

Two protocols, chosen with the task metadata ``protocol``:

``acbench`` (the default) reproduces ACBench's runs (AgentBoard's ``vanilla_agent.py`` and
``llm/vllm.py`` as edited in pprp/ACBench's ``thirdpartys/AgentBoard``):

* user text (:func:`user_text`) = instruction, ``"\\nHere are examples:\\n"``, each example
  followed by ``"\\n"``, the goal sentence, the help sentences for ``check valid actions`` and
  ``inventory``, the history (``Observation: …``/``Action: …``, the first observation first, the
  last 100 entries) joined by ``"\\n"``, then ``"\\nAction: "``;
* system text = the prompt file's ``system_msg`` + :data:`SYSTEM_SUFFIX` (no separator);
* chat wrap: ACBench's hand-written wrapper picked by the first of :data:`WRAP_RULES` found in
  the lower-cased model path (its templates are read at run time from ACBench's
  ``prompt_template.py``, :func:`acbench_tasks.agentboard.upstream.acbench_chat_templates`);
  where none applies (ACBench raised an error there), the model's own chat template;
* greedy, at most 100 new tokens, **no stop string** (the model may go on writing
  ``Observation:`` and further ``Action:`` lines), at most 30 steps;
* the history is trimmed (oldest entry first) only beyond 32,768 − 100 tokens, i.e. never in
  practice, while the engine took at most 8,192 prompt tokens (``max_context``): a longer prompt
  gets an empty answer here (ACBench's vLLM engine limit; what vLLM returned is UNVERIFIED);
* AgentBoard's action parser (:func:`parse_agentboard_action`), quirks included: with no stop
  string, ``go to desk 1\\nObservation: …\\nAction: open drawer 2`` executes ``open drawer 2``.

``clean`` is our corrected agent: the same user and system texts through the model's own chat
template, a stop at the next ``Observation``, the first line as the action
(:func:`parse_first_line_action`), the history trimmed to the model's context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from acbench_tasks.common.protocol import DEFAULT_PROTOCOL, Protocol

#: Appended to every system message (ACBench ``thirdpartys/AgentBoard/agentboard/llm/vllm.py``).
SYSTEM_SUFFIX = (
    "Generate your next step of action after Action. Action must not be empty. "
    "e.g. Action: put down cup. \n"
)
#: ACBench's wrapper choice: the first of these found in the lower-cased model path.
WRAP_RULES: tuple[str, ...] = (
    "codellama-13b",
    "codellama-34b",
    "llama",
    "lemur",
    "vicuna",
    "deepseek",
    "mistral",
    "qwen",
    "internlm",
)
#: AgentBoard's run settings as ACBench configured them (``eval_configs/main_results_all_tasks``).
MEMORY_SIZE = 100
ACBENCH_CONTEXT_LENGTH = 32768  # the trimming budget (context_length - max_tokens)
ACBENCH_ENGINE_LENGTH = 8192  # vLLM's max_model_len
HELP = "You should use the following commands for help when your action cannot be understood: "

Message = dict[str, str]
History = list[tuple[str, str]]  # ("Observation" | "Action", text)


@dataclass(frozen=True)
class PromptParts:
    """What one environment gives the vanilla agent (AgentBoard's prompt file + env config)."""

    instruction: str
    examples: Sequence[str] = ()
    system_msg: str = "You are a helpful assistant."
    #: The help command for actions (``check valid actions``; tools ``check_valid_actions``).
    check_actions: str | None = None
    #: Whether the ``inventory`` help sentence is added (AlfWorld, ScienceWorld, Jericho).
    check_inventory: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_prompt_file(cls, prompt: Mapping[str, Any], examples: Any = None,
                         **config: Any) -> PromptParts:  # fmt: skip
        """From a VanillaAgent JSON object; ``examples`` overrides its ``examples`` (AlfWorld)."""
        chosen = prompt.get("examples", []) if examples is None else examples
        if isinstance(chosen, str):  # AgentBoard wraps a single string in a list
            chosen = [chosen]
        return cls(
            instruction=str(prompt.get("instruction", "")),
            examples=tuple(str(e) for e in chosen),
            system_msg=str(prompt.get("system_msg", "")),
            **config,
        )


def user_text(parts: PromptParts, goal: str, history: Sequence[tuple[str, str]]) -> str:
    """The user message of one step, laid out as AgentBoard's ``VanillaAgent.make_prompt``."""
    query = parts.instruction
    if parts.examples:
        query += "\nHere are examples:\n" + "".join(example + "\n" for example in parts.examples)
    query += "You should perform actions to accomplish the goal: " + goal + "\n"
    if parts.check_actions is not None:
        query += HELP + parts.check_actions + "\n"
    if parts.check_inventory:
        query += HELP + "inventory\n"
    return query + "\n".join(f"{kind}: {text}" for kind, text in history) + "\nAction: "


def system_text(parts: PromptParts) -> str:
    """The system message: the prompt file's ``system_msg`` + :data:`SYSTEM_SUFFIX`."""
    return parts.system_msg + SYSTEM_SUFFIX


def fit_history(
    history: Sequence[tuple[str, str]],
    size: Callable[[Sequence[tuple[str, str]]], int],
    budget: int,
    memory_size: int = MEMORY_SIZE,
) -> list[tuple[str, str]]:
    """The last ``memory_size`` entries, then oldest first dropped while ``size`` > ``budget``."""
    kept = list(history[-memory_size:])
    while kept and size(kept) > budget:
        kept = kept[1:]
    return kept


# ---------------------------------------------------------------------------- chat wrapping
def wrap_rule(model_path: str) -> str | None:
    """ACBench's wrapper for a model path (first substring hit), or None where it has none."""
    lowered = str(model_path or "").lower()
    return next((rule for rule in WRAP_RULES if rule in lowered), None)


def acbench_wrap(template: str, system: str, user: str) -> str:
    """ACBench's hand-written wrapper applied as it applied it: format, then strip the ends."""
    return template.format(system_prompt=system, prompt=user).strip()


ChatTemplate = Callable[[list[Message]], Any]


class FromPromptFile:
    """Instruction, examples and prompt pieces of one of AgentBoard's environments, from the
    vanilla agent's prompt file its problems carry (``problem["prompt"]``). Mixed in before
    :class:`~acbench_tasks.agentboard.base.Environment`."""

    problem: Mapping[str, Any]
    #: The prompt's help command for actions, and whether the ``inventory`` sentence is added.
    check_actions: str = "check valid actions"
    check_inventory: bool = False

    def instruction(self) -> str:
        return str(self.problem["prompt"]["instruction"])

    def examples(self) -> str:
        """Empty: the prompt file's own examples are used (AlfWorld's problems bring theirs)."""
        return ""

    def prompt_parts(self) -> PromptParts:
        return PromptParts.from_prompt_file(
            self.problem["prompt"],
            examples=self.examples() or None,
            check_actions=self.check_actions,
            check_inventory=self.check_inventory,
        )


@dataclass
class Renderer:
    """Turns (system, user) into what the model is given, per protocol.

    ``chat_template`` is the backend's ``apply_chat_template`` (None: the model has none);
    ``templates`` ACBench's wrappers by rule name (only read when a rule applies).
    """

    protocol: Protocol = DEFAULT_PROTOCOL
    model_path: str = ""
    chat_template: ChatTemplate | None = None
    templates: Callable[[], Mapping[str, str]] | None = None

    def __post_init__(self) -> None:
        self.rule = wrap_rule(self.model_path) if self.protocol == "acbench" else None

    def describe(self) -> str:
        if self.rule is not None:
            return f"ACBench's hand-written '{self.rule}' wrapper (by model path)"
        if self.chat_template is not None:
            return "the model's chat template"
        return "plain text (the model has no chat template)"

    def __call__(self, system: str, user: str) -> Any:
        if self.rule is not None:
            assert self.templates is not None, "ACBench's wrappers were not provided"
            return acbench_wrap(self.templates()[self.rule], system, user)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        if self.chat_template is not None:
            return self.chat_template(messages)
        return f"{system}\n{user}"


def generation_kwargs(protocol: Protocol, max_gen_toks: int) -> dict[str, Any]:
    """lm-eval ``generate_until`` settings: greedy; no stop (acbench) or stop at Observation."""
    until = [] if protocol == "acbench" else ["\nObservation"]
    return {"until": until, "max_gen_toks": int(max_gen_toks), "do_sample": False}


# ---------------------------------------------------------------------------- parsing
def parse_agentboard_action(output: str) -> str:
    """AgentBoard's ``action_parser_for_special_llms``, behaviour for behaviour.

    If the output mentions ``action`` (any case), its lines are scanned in order:
    a line with ``next action`` (case-sensitive) and ``:`` takes the next non-empty line and
    goes on; a line whose text before the first ``:`` ends with ``with action input`` is taken
    whole (stop); a line with ``action`` and ``:`` gives the text after the first ``:`` unless
    that is empty (stop); a line with ``action`` and ``is to`` gives the text between the first
    and second ``is to`` unless empty (stop). An empty result falls back to the raw first line.
    Then: strip, strip ``'`` and ``/`` at the ends, keep the first line.

    Upstream reuses one variable for the list of lines and for the text after a colon; a later
    ``next action`` line then searches that text (``str.index``), which raises when the line is
    not in it. That crash stopped AgentBoard's run; here the scan stops at that point instead.
    """
    origin = str(output or "")
    action = origin
    if "action" in origin.lower():
        lines = origin.split("\n")
        scratch: list[str] | str = lines  # upstream's ``action_temp``
        for line in lines:
            if "next action" in line and ":" in line:
                if isinstance(scratch, str) and line not in scratch:
                    break  # upstream: ValueError from str.index
                index = scratch.index(line)
                while index + 1 < len(scratch):
                    if scratch[index + 1]:
                        action = scratch[index + 1]
                        break
                    index += 1
            if line.split(":")[0].lower().endswith("with action input"):
                action = line
                break
            if "action" in line.lower() and ":" in line:
                scratch = ":".join(line.split(":")[1:])
                if scratch != "":
                    action = scratch
                    break
            if "action" in line.lower() and "is to" in line:
                scratch = line.split("is to")[1]
                if scratch != "":
                    action = scratch
                    break
    if action.strip() == "":
        action = origin.split("\n")[0]
    return action.strip().strip("'/").split("\n")[0]


_PREFIX_RE = re.compile(r"^\s*(?:>\s*)?(?:action\s*\d*\s*:)?\s*", re.IGNORECASE)


def parse_first_line_action(output: str) -> str:
    """Our parser: the first non-empty line without an ``Action:`` prefix ("" if it is an
    ``Observation``)."""
    for line in str(output or "").splitlines():
        line = _PREFIX_RE.sub("", line).strip()
        if line.lower().startswith("observation"):
            return ""
        if line:
            return line
    return ""


def parse_action(protocol: Protocol, output: str) -> str:
    """The action a protocol takes from a generation."""
    if protocol == "acbench":
        return parse_agentboard_action(output)
    return parse_first_line_action(output)
