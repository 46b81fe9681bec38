"""PDDL as AgentBoard runs it (AgentBoard ``environment/pddl_env/pddl_env.py``, ``tasks/pddl.py``).

Problems: the four domains in AgentBoard's order ``gripper, blockworld, barman, tyreworld``, at
most 20 problems each (gripper 20, blockworld 10, barman 20, tyreworld 10 = 60); problem *i* of
a domain is the *i*-th of its ``*.pddl`` files sorted lexicographically (blockworld: problem1,
problem10, problem2, …); the *k*-th of these 60 takes line *k* of ``data/pddl/test.jsonl`` (only
its ``difficulty``). Domain and problem files come from AgentBoard's repository at the pinned
commit (``pddl_dir`` for a local copy); they are lower-cased and read leniently, as pddlgym
reads them (any section order, no ``:requirements`` needed).

Texts: a literal reads as AgentBoard's ``predicate_map`` phrases it (read at run time from
AgentBoard's ``pddl_env.py``; otherwise ``"<predicate> <objects>"``). Goal =
``"The goal is to satisfy the following conditions: "`` + the sorted goal texts joined by
``", "``; an observation = the sorted, ``str.capitalize``-d texts of the state's literals joined
by spaces (barman and tyreworld, after the first: only the literals that became true).

Actions: any action containing ``check`` lists ``Valid actions are: …`` (the applicable ground
actions' texts, then ``check valid actions``, and ``look around`` for barman/tyreworld); one
containing ``look around`` shows the whole state. Otherwise the lower-cased text is tokenised
(nltk ``word_tokenize``), the first token naming an applicable operator is the action and the
first *arity* tokens naming objects its arguments. No parse → "…Please check valid actions.";
an action that changes nothing → "…Please remember to satisfy the restriction of actions. You
can also check valid actions." (both invalid). Progress = the best share of goal literals true
after an effective action (the initial state counts only once something was done); reaching the
goal ends the episode with success (the observation then ends " The goal is satisfied.").

Where AgentBoard iterated over Python sets (valid actions, ``look around``) the order was the
process's hash order; here it is sorted.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from acbench_tasks.agentboard import data, upstream
from acbench_tasks.agentboard.base import (
    AGENTBOARD,
    Environment,
    MissingPiece,
    StepResult,
    unknown_problem_set,
)
from acbench_tasks.agentboard.pddl_env import Atom, Operator, StripsSimulator
from acbench_tasks.agentboard.vanilla_agent import FromPromptFile

logger = logging.getLogger(__name__)

GAMES = ("gripper", "blockworld", "barman", "tyreworld")
NUM_PROBLEMS = {"barman": 20, "blockworld": 10, "gripper": 20, "tyreworld": 10}
PROBLEMS_PER_GAME = 20  # env_num_per_task in ACBench's config
NEW_LITERALS_ONLY = ("barman", "tyreworld")
PDDL_ENV_MODULE = "agentboard/environment/pddl_env/pddl_env.py"
GOAL_PREFIX = "The goal is to satisfy the following conditions: "
NO_PARSE = "The action is not valid and therefore takes no effect. Please check valid actions."
NO_EFFECT = (
    "The action is not valid and therefore takes no effect. Please remember to satisfy the "
    "restriction of actions. You can also check valid actions."
)


# ---------------------------------------------------------------------------- lenient reader
def _sexpr(text: str) -> list[Any]:
    """Nested lists of tokens of a PDDL text (comments dropped)."""
    text = re.sub(r";[^\n]*", " ", text)
    stack: list[list[Any]] = [[]]
    for token in re.findall(r"[()]|[^\s()]+", text):
        if token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) == 1:
                raise ValueError("unbalanced ')'")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(token)
    if len(stack) != 1 or not stack[0]:
        raise ValueError("unbalanced '(' or empty file")
    return stack[0][0]


def _typed(items: list[str]) -> list[tuple[str, str | None]]:
    """``a b - t c`` → [(a, t), (b, t), (c, None)]."""
    out: list[tuple[str, str | None]] = []
    pending: list[str] = []
    index = 0
    while index < len(items):
        if items[index] == "-" and index + 1 < len(items):
            out += [(name, items[index + 1]) for name in pending]
            pending = []
            index += 2
            continue
        pending.append(items[index])
        index += 1
    return out + [(name, None) for name in pending]


def _literals(form: Any, what: str) -> Iterable[tuple[str, tuple[str, ...]]]:
    if not form:
        return
    head = form[0]
    if head == "and":
        for part in form[1:]:
            yield from _literals(part, what)
    elif head == "not":
        inner = form[1]
        yield ("neq" if inner[0] == "=" else "neg"), tuple(inner[1:] if inner[0] == "=" else inner)
    elif head == "=":
        yield "eq", tuple(form[1:])
    elif isinstance(head, str):
        yield "pos", tuple(form)
    else:
        raise ValueError(f"unsupported PDDL in {what}: {form}")


def read_pddl(domain_text: str, problem_text: str) -> StripsSimulator:
    """A STRIPS simulator for a domain and problem, read as pddlgym reads them."""
    domain, problem = _sexpr(domain_text.lower()), _sexpr(problem_text.lower())
    sections = {part[0]: part for part in domain[2:] if isinstance(part, list) and part}
    sim = StripsSimulator.__new__(StripsSimulator)
    sim.domain_name = str(domain[1][1])
    sim.parents = dict(_typed(sections.get(":types", [None])[1:]))
    sim.objects = dict(_typed(sections.get(":constants", [None])[1:]))
    operators = {}
    for part in domain[2:]:
        if not (isinstance(part, list) and part and part[0] == ":action"):
            continue
        name, fields = part[1], dict(zip(part[2::2], part[3::2], strict=False))
        pre = list(_literals(fields.get(":precondition"), f"precondition of {name}"))
        eff = list(_literals(fields.get(":effect"), f"effect of {name}"))
        operators[name] = Operator(
            name=name,
            parameters=tuple(_typed(fields.get(":parameters", []))),
            positive=tuple(a for k, a in pre if k == "pos"),
            negative=tuple(a for k, a in pre if k == "neg"),
            equal=tuple((a[0], a[1], k == "eq") for k, a in pre if k in ("eq", "neq")),
            add=tuple(a for k, a in eff if k == "pos"),
            delete=tuple(a for k, a in eff if k == "neg"),
        )
    sim.operators = dict(sorted(operators.items()))
    parts = {part[0]: part for part in problem[2:] if isinstance(part, list) and part}
    sim.objects.update(_typed(parts.get(":objects", [None])[1:]))
    sim.state = {tuple(atom) for atom in parts.get(":init", [None])[1:]}
    goal = list(_literals(parts[":goal"][1], "goal")) if ":goal" in parts else []
    sim.goal = tuple((kind == "pos", atom) for kind, atom in goal if kind in ("pos", "neg"))
    fluent = {a[0] for op in operators.values() for a in (*op.add, *op.delete)}
    sim.static_predicates = {a[0] for a in sim.state} - fluent
    return sim


# ---------------------------------------------------------------------------- tokenising
@functools.cache
def _punkt_missing() -> bool:
    import nltk

    try:
        nltk.word_tokenize("a. b")
        return False
    except LookupError:
        logger.warning(
            "nltk's punkt data is not installed: PDDL actions are tokenised without sentence "
            "splitting (differs from AgentBoard only for periods inside an action; install "
            "with python -m nltk.downloader punkt_tab)"
        )
        return True


def tokenize(text: str) -> list[str]:
    """nltk's ``word_tokenize`` (AgentBoard's tokeniser)."""
    import nltk

    return nltk.word_tokenize(text, preserve_line=_punkt_missing())


# ---------------------------------------------------------------------------- the environment
class AgentBoardPddl(FromPromptFile, Environment):
    """One of AgentBoard's 60 PDDL problems."""

    name = "pddl"
    invalid_observation = NO_PARSE

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.game = str(problem["game"])
        paths = {key: Path(str(problem[key])) for key in ("domain_file", "problem_file")}
        for path in paths.values():
            if not path.is_file():
                raise MissingPiece(f"missing PDDL file {path}")
        self.sim = read_pddl(paths["domain_file"].read_text(), paths["problem_file"].read_text())
        self.phrases: dict[str, str] = dict(problem.get("predicate_map") or {})
        self.progress = 0.0
        self.won = False
        self._applicable: tuple[frozenset[Atom], list[str]] | None = None

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set != AGENTBOARD:
            raise unknown_problem_set("pddl", problem_set, [AGENTBOARD])
        records = data.load_records("pddl", metadata)
        folder = upstream.pddl_dir(metadata)
        phrases = upstream.module_table(PDDL_ENV_MODULE, "predicate_map", metadata)
        prompts = upstream.vanilla_prompt("pddl_vanilla_prompt", metadata)
        problems = []
        for game in GAMES:
            files = sorted(p.name for p in (folder / game).glob("*.pddl"))
            count = min(PROBLEMS_PER_GAME, NUM_PROBLEMS[game])
            if len(files) < count:
                raise upstream.UpstreamError(
                    f"{folder / game} has {len(files)} problem files, AgentBoard plays {count}"
                )
            prompt = upstream.check_vanilla(prompts.get(game), f"pddl_vanilla_prompt.{game}")
            for index in range(count):
                if len(problems) >= len(records):
                    raise data.DataSourceError(
                        f"agentboard: data/pddl/test.jsonl has {len(records)} records, "
                        "AgentBoard's four domains need 60"
                    )
                problems.append(
                    {
                        "id": f"{game}-{index}",
                        "game": game,
                        "problem_index": index,
                        "difficulty": records[len(problems)]["difficulty"],
                        "domain_file": str(folder / f"{game}.pddl"),
                        "problem_file": str(folder / game / files[index]),
                        "predicate_map": phrases,
                        "prompt": prompt,
                    }
                )
        return problems

    # ------------------------------------------------------------------ texts
    def text(self, atom: Atom) -> str:
        """A literal as AgentBoard's ``literal_to_text`` writes it."""
        phrase = self.phrases.get(atom[0])
        if phrase is not None:
            return phrase.format(*atom[1:])
        return atom[0] + " " + " ".join(atom[1:])

    def state_text(self, atoms: Iterable[Atom]) -> str:
        return " ".join(sorted(self.text(a).capitalize() for a in atoms))

    @property
    def goal(self) -> str:
        return GOAL_PREFIX + ", ".join(sorted(self.text(a) for _, a in self.sim.goal))

    # ------------------------------------------------------------------ play
    def reset(self) -> str:
        return self.state_text(self.sim.state)

    def satisfied(self) -> float:
        goal = [atom for _, atom in self.sim.goal]
        return sum(atom in self.sim.state for atom in goal) / len(goal) if goal else 1.0

    def step(self, action: str) -> StepResult:
        lowered = action.lower()
        if "check" in lowered:
            listed = sorted(self.text(self._literal(a)) for a in self.applicable())
            listed.append("check valid actions")
            if self.game in NEW_LITERALS_ONLY:
                listed.append("look around")
            return self._result("Valid actions are: " + ", ".join(listed), True)
        if "look around" in lowered:
            return self._result(self.state_text(self.sim.state), True)
        parsed = self._parse(lowered)
        if parsed is None:
            return self._result(NO_PARSE, False)
        before = set(self.sim.state)
        if self.sim.apply(*parsed) is not None or self.sim.state == before:
            return self._result(NO_EFFECT, False)
        self.progress = max(self.progress, self.satisfied())
        changed = self.sim.state - before if self.game in NEW_LITERALS_ONLY else self.sim.state
        observation = self.state_text(changed)
        self.won = all(atom in self.sim.state for _, atom in self.sim.goal)
        if self.won:
            observation += " The goal is satisfied."
        return self._result(observation, True)

    def _result(self, observation: str, valid: bool) -> StepResult:
        return StepResult(observation, valid, self.progress, done=self.won, success=self.won)

    def applicable(self) -> list[str]:
        """The ground actions applicable now (cached per state)."""
        state = frozenset(self.sim.state)
        if self._applicable is None or self._applicable[0] != state:
            self._applicable = (state, self.sim.applicable(10**7))
        return self._applicable[1]

    @staticmethod
    def _literal(ground: str) -> Atom:
        return tuple(ground.split())

    def _parse(self, text: str) -> tuple[str, tuple[str, ...]] | None:
        """AgentBoard's ``text_to_action``: operator and objects from the tokens."""
        tokens = tokenize(text)
        applicable = {g.split()[0] for g in self.applicable()}
        name = next((t for t in tokens if t in applicable), None)
        if name is None:
            return None
        arity = len(self.sim.operators[name].parameters)
        objects = [t for t in tokens if t in self.sim.objects]
        if len(objects) < arity:
            return None
        return name, tuple(objects[:arity])
