"""PDDL planning environment (ACBench §10): a STRIPS simulator on the ``pddl`` parser.

The agent acts with ground operators written as ``<operator> <object> ...`` (``stack b1 b2``,
``(stack b1 b2)`` and ``stack(b1, b2)`` also parse) plus ``look`` to see the state again. An
action whose name, objects, types or preconditions do not fit is rejected with an observation
saying which; the state is unchanged. Progress rate = share of goal literals true now (the
runner keeps the best point of the episode); success = all of them.

Supported PDDL: ``:strips`` with ``:typing`` (type hierarchies), negative preconditions and
equality in preconditions, conjunctive goals of literals. Problems: four domains written for
this project (blocksworld, gripper, tyreworld, barman; see :mod:`.pddl_problems`), or your own
files with ``--metadata '{"pddl_dir": "/path"}'`` laid out as ``<dir>/<domain>.pddl`` plus
``<dir>/<domain>/*.pddl`` (the layout of the MIT-licensed ``pddlgym`` package's ``pddl``
folder, so ``pip install --no-deps pddlgym`` and pointing at ``site-packages/pddlgym/pddl``
works for its gripper and blocks problems).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pddl.logic.base import And, Not
from pddl.logic.predicates import EqualTo, Predicate
from pddl.parser.domain import DomainParser
from pddl.parser.problem import ProblemParser

from acbench_tasks.agentboard.base import (
    INVALID_ACTION,
    Environment,
    StepResult,
    normalize_action,
    unknown_problem_set,
    worked_example,
)

Atom = tuple[str, ...]  # (predicate, term, ...); variables keep their leading "?"
DOMAIN_DIR = Path(__file__).parent / "pddl_domains"
LOOK = "look"
CHECK = "check valid actions"

#: How predicates read in observations, per domain; others render as ``pred(a, b)``.
TEMPLATES: dict[str, dict[str, str]] = {
    "blocksworld": {
        "on": "{0} is on {1}",
        "ontable": "{0} is on the table",
        "clear": "{0} is clear",
        "handempty": "the hand is empty",
        "holding": "you are holding {0}",
    },
    "gripper": {
        "at-robby": "the robot is in {0}",
        "at": "{0} is in {1}",
        "free": "gripper {0} is free",
        "carry": "gripper {1} carries {0}",
    },
    "tyreworld": {
        "open": "{0} is open",
        "closed": "{0} is closed",
        "in": "{0} is in {1}",
        "have": "you have {0}",
        "tight": "nut {0} is tight on {1}",
        "loose": "nut {0} is loose on {1}",
        "on-ground": "{0} is on the ground",
        "lifted": "{0} is lifted",
        "jacked": "{0} holds up {1}",
        "fastened": "{0} is fastened",
        "free": "{0} has no nut",
        "on": "{0} is on {1}",
        "empty": "{0} has no wheel",
        "flat": "{0} is flat",
        "inflated": "{0} is inflated",
        "is-jack": "{0} is a jack",
        "is-wrench": "{0} is a wrench",
        "is-pump": "{0} is a pump",
    },
    "barman": {
        "ontable": "{0} is on the table",
        "holding": "{0} hand holds {1}",
        "handempty": "{0} hand is empty",
        "empty": "{0} is empty",
        "contains": "{0} contains {1}",
        "clean": "{0} is clean",
        "used": "{0} is used",
        "dispenses": "{0} dispenses {1}",
        "part1": "{0} needs {1} as first part",
        "part2": "{0} needs {1} as second part",
        "unshaken": "{0} is not shaken",
        "one-part": "{0} has one part",
        "two-parts": "{0} has two parts",
        "shaken": "{0} is shaken",
    },
}

#: What each domain is about, for the instruction.
DESCRIPTIONS: dict[str, str] = {
    "blocksworld": "You stack blocks with one hand: pick blocks up from the table, put them "
    "down, stack a held block on a clear block, or unstack a clear block from another.",
    "gripper": "You control a robot with two grippers (left, right) that carries balls between "
    "rooms. It moves between rooms, picks a ball in its room with a free gripper and drops it.",
    "tyreworld": "You replace flat tyres: open the boot, fetch tools and spare wheels, inflate "
    "spares, loosen nuts on the ground, jack hubs up, undo nuts, swap wheels, do nuts up, jack "
    "down, tighten nuts, and put everything away.",
    "barman": "You are a barman with two hands. Fill shot glasses at dispensers, pour "
    "ingredients into the shaker, shake a cocktail from its two parts, pour it into a clean shot "
    "glass, and clean glasses and the shaker between uses.",
}


class PddlError(ValueError):
    """A domain or problem outside the supported STRIPS fragment."""


@dataclass(frozen=True)
class Operator:
    """A lifted action: parameters (name, type) and its literals over the parameters."""

    name: str
    parameters: tuple[tuple[str, str | None], ...]
    positive: tuple[Atom, ...]
    negative: tuple[Atom, ...]
    equal: tuple[tuple[str, str, bool], ...]  # (a, b, must_be_equal)
    add: tuple[Atom, ...]
    delete: tuple[Atom, ...]

    def binder(self, args: tuple[str, ...]) -> Callable[[Atom], Atom]:
        """Grounds atoms over the parameters with ``args`` (constants stay as they are)."""
        binding = dict(zip((p for p, _ in self.parameters), args, strict=True))
        return lambda atom: (atom[0], *(binding.get(t, t) for t in atom[1:]))

    def signature(self) -> str:
        return " ".join([self.name, *(f"<{p[1:]}: {t or 'object'}>" for p, t in self.parameters)])


def _term(term: Any) -> str:
    name = str(term.name)
    return f"?{name}" if type(term).__name__ == "Variable" else name


def _literals(formula: Any, what: str) -> Iterable[tuple[str, Any]]:
    """Flatten a conjunction into ("pos" | "neg" | "eq" | "neq", atom) pairs."""
    if formula is None:
        return
    if isinstance(formula, And):
        for operand in formula.operands:
            yield from _literals(operand, what)
    elif isinstance(formula, Predicate):
        yield "pos", (str(formula.name), *map(_term, formula.terms))
    elif isinstance(formula, EqualTo):
        yield "eq", (_term(formula.left), _term(formula.right))
    elif isinstance(formula, Not) and isinstance(formula.argument, Predicate):
        arg = formula.argument
        yield "neg", (str(arg.name), *map(_term, arg.terms))
    elif isinstance(formula, Not) and isinstance(formula.argument, EqualTo):
        yield "neq", (_term(formula.argument.left), _term(formula.argument.right))
    else:
        raise PddlError(f"unsupported PDDL in {what}: {formula} (STRIPS literals only)")


@functools.lru_cache(maxsize=16)
def _parse_domain(text: str) -> Any:
    return DomainParser()(text)


class StripsSimulator:
    """State, operators and goal of one PDDL problem; applies ground actions."""

    def __init__(self, domain_text: str, problem_text: str) -> None:
        domain = _parse_domain(domain_text)
        problem = ProblemParser()(problem_text)
        self.domain_name = str(domain.name)
        self.parents = {str(t): (str(p) if p else None) for t, p in domain.types.items()}
        self.objects: dict[str, str | None] = {}
        for obj in (*domain.constants, *problem.objects):
            tags = sorted(map(str, obj.type_tags))
            self.objects[str(obj.name)] = tags[0] if tags else None
        self.operators: dict[str, Operator] = {}
        for action in sorted(domain.actions, key=lambda a: str(a.name)):
            pre = list(_literals(action.precondition, f"precondition of {action.name}"))
            eff = list(_literals(action.effect, f"effect of {action.name}"))
            if any(kind in ("eq", "neq") for kind, _ in eff):
                raise PddlError(f"equality in the effect of {action.name}")
            params = tuple(
                (f"?{v.name}", (sorted(map(str, v.type_tags)) or [None])[0])
                for v in action.parameters
            )
            self.operators[str(action.name)] = Operator(
                name=str(action.name),
                parameters=params,
                positive=tuple(a for k, a in pre if k == "pos"),
                negative=tuple(a for k, a in pre if k == "neg"),
                equal=tuple((a[0], a[1], k == "eq") for k, a in pre if k in ("eq", "neq")),
                add=tuple(a for k, a in eff if k == "pos"),
                delete=tuple(a for k, a in eff if k == "neg"),
            )
        init = list(_literals(And(*problem.init) if problem.init else None, "init"))
        self.state: set[Atom] = {atom for kind, atom in init if kind == "pos"}
        goal = list(_literals(problem.goal, "goal"))
        if any(kind in ("eq", "neq") for kind, _ in goal):
            raise PddlError("equality in the goal")
        self.goal: tuple[tuple[bool, Atom], ...] = tuple((k == "pos", a) for k, a in goal)
        fluent = {a[0] for op in self.operators.values() for a in (*op.add, *op.delete)}
        self.static_predicates = {a[0] for a in self.state} - fluent

    def is_a(self, obj: str, wanted: str | None) -> bool:
        """Whether ``obj`` has type ``wanted`` (or a subtype); untyped params take anything."""
        if wanted is None or wanted == "object":
            return True
        kind = self.objects.get(obj)
        while kind is not None:
            if kind == wanted:
                return True
            kind = self.parents.get(kind)
        return False

    def goal_progress(self) -> float:
        """Share of goal literals true in the current state."""
        if not self.goal:
            return 1.0
        return sum((atom in self.state) == positive for positive, atom in self.goal) / len(
            self.goal
        )

    def check(self, name: str, args: tuple[str, ...]) -> str | None:
        """Why ``name args`` cannot be applied now, or ``None`` when it can."""
        operator = self.operators.get(name)
        if operator is None:
            return f"there is no action '{name}'"
        if len(args) != len(operator.parameters):
            return f"'{name}' takes {len(operator.parameters)} objects: {operator.signature()}"
        for arg, (param, kind) in zip(args, operator.parameters, strict=True):
            if arg not in self.objects:
                return f"there is no object '{arg}'"
            if not self.is_a(arg, kind):
                return f"{arg} is not a {kind} (parameter {param[1:]} of {name})"
        ground = operator.binder(args)
        missing = [ground(a) for a in operator.positive if ground(a) not in self.state]
        blocking = [ground(a) for a in operator.negative if ground(a) in self.state]
        for left, right, same in operator.equal:
            (_, a, b) = ground(("=", left, right))
            if (a == b) != same:
                return f"{a} and {b} must {'' if same else 'not '}be the same object"
        if missing or blocking:
            reasons = [self.describe_atom(a) for a in missing]
            reasons += [f"not ({self.describe_atom(a)})" for a in blocking]
            return "its preconditions do not hold: " + "; ".join(reasons)
        return None

    def apply(self, name: str, args: tuple[str, ...]) -> str | None:
        """Apply the action if possible; return the reason it is not, else ``None``."""
        reason = self.check(name, args)
        if reason is not None:
            return reason
        operator = self.operators[name]
        ground = operator.binder(args)
        self.state -= {ground(a) for a in operator.delete}
        self.state |= {ground(a) for a in operator.add}
        return None

    def applicable(self, limit: int = 50) -> list[str]:
        """Up to ``limit`` ground actions applicable now (brute force; small problems only)."""
        found = []
        for operator in self.operators.values():
            pools = [
                [o for o in sorted(self.objects) if self.is_a(o, kind)]
                for _, kind in operator.parameters
            ]
            for args in itertools.product(*pools):
                if self.check(operator.name, args) is None:
                    found.append(" ".join((operator.name, *args)))
                    if len(found) >= limit:
                        return found
        return found

    def describe_atom(self, atom: Atom) -> str:
        template = TEMPLATES.get(self.domain_name, {}).get(atom[0])
        if template is None or template.count("{") != len(atom) - 1:
            return f"{atom[0]}({', '.join(atom[1:])})" if len(atom) > 1 else atom[0]
        return template.format(*atom[1:])

    def describe(self, atoms: Iterable[Atom]) -> str:
        return ". ".join(self.describe_atom(a) for a in sorted(atoms)) + "."

    def describe_state(self) -> str:
        return self.describe(a for a in self.state if a[0] not in self.static_predicates)

    def describe_facts(self) -> str:
        return self.describe(a for a in self.state if a[0] in self.static_predicates)

    def describe_goal(self) -> str:
        parts = [
            self.describe_atom(atom) if positive else f"not ({self.describe_atom(atom)})"
            for positive, atom in self.goal
        ]
        return ", ".join(parts)

    def parse(self, action: str) -> tuple[str, tuple[str, ...]] | None:
        """``(operator, objects)`` from free text, matching multi-word operator names."""
        words = re.sub(r"[(),]", " ", normalize_action(action)).split()
        for size in range(min(3, len(words)), 0, -1):
            for joiner in ("-", "_", ""):
                name = joiner.join(words[:size])
                if name in self.operators:
                    return name, tuple(words[size:])
        return None


@functools.cache
def read_domain(name: str) -> str:
    """Text of one of the bundled domains."""
    return (DOMAIN_DIR / f"{name}.pddl").read_text(encoding="utf-8")


@functools.cache
def _example(domain: str) -> str:
    """A tiny problem of the domain (not in any problem set) solved by its plan."""
    from acbench_tasks.agentboard import pddl_problems

    problem = pddl_problems.example_problem(domain)
    return worked_example(PddlEnvironment(problem), problem["solution"])


class PddlEnvironment(Environment):
    """One PDDL problem; the problem dict carries ``domain`` and ``problem_pddl``."""

    name = "pddl"

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.domain = str(problem["domain"])
        domain_text = problem.get("domain_pddl") or read_domain(self.domain)
        self.sim = StripsSimulator(domain_text, str(problem["problem_pddl"]))

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        from acbench_tasks.agentboard import pddl_problems

        if metadata.get("pddl_dir"):
            return pddl_problems.from_folder(Path(str(metadata["pddl_dir"])))
        if problem_set not in pddl_problems.PROBLEM_SETS:
            raise unknown_problem_set("pddl", problem_set, list(pddl_problems.PROBLEM_SETS))
        return pddl_problems.PROBLEM_SETS[problem_set]()

    @property
    def goal(self) -> str:
        return f"The goal is to satisfy the following conditions: {self.sim.describe_goal()}."

    def instruction(self) -> str:
        actions = "\n".join(f"- {op.signature()}" for op in self.sim.operators.values())
        description = DESCRIPTIONS.get(self.domain, f"You solve a {self.domain} planning problem.")
        return (
            f"{description}\nAnswer with exactly one action per turn, written as the action "
            f"name followed by its objects, e.g. 'Action: {self._sample_action()}'. "
            f"Available actions:\n{actions}\n- {LOOK}: show the current state again.\n"
            f"- {CHECK}: list the actions you can take now."
        )

    def _sample_action(self) -> str:
        operator = next(iter(self.sim.operators.values()))
        return " ".join([operator.name, *(p[1:] for p, _ in operator.parameters)])

    def examples(self) -> str:
        return _example(self.domain) if self.domain in DESCRIPTIONS else ""

    def reset(self) -> str:
        facts = self.sim.describe_facts()
        state = self.sim.describe_state()
        return (f"Facts: {facts} " if facts != "." else "") + f"State: {state}"

    def step(self, action: str) -> StepResult:
        text = normalize_action(action)
        if text in (LOOK, "look around", "check state"):
            return StepResult(self.sim.describe_state(), True, self.sim.goal_progress())
        if text == CHECK:
            listed = "; ".join(self.sim.applicable()) or "none"
            return StepResult(f"Valid actions: {listed}.", True, self.sim.goal_progress())
        parsed = self.sim.parse(action)
        if parsed is None:
            names = ", ".join(self.sim.operators)
            observation = (
                f"{INVALID_ACTION} Unknown action '{text}'; actions: {names}, {LOOK}, {CHECK}."
            )
            return StepResult(observation, False, self.sim.goal_progress())
        reason = self.sim.apply(*parsed)
        if reason is not None:
            return StepResult(f"{INVALID_ACTION} ({reason})", False, self.sim.goal_progress())
        progress = self.sim.goal_progress()
        return StepResult(self.sim.describe_state(), True, progress, done=progress >= 1.0)
