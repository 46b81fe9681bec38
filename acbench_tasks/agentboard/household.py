"""AlfWorld-style household tasks (ACBench §7), simulated offline in ALFWorld's action language.

ALFWorld itself needs its game files and pulls a GPL planner and a C++ build; this small
simulator of ours speaks the same text interface (``go to cabinet 1``, ``take mug 1 from
cabinet 1``, ``heat mug 1 with microwave 1``, ``put mug 1 in/on shelf 1``, ``use desklamp 1``,
``open``/``close``/``examine``/``look``/``inventory``) over rooms generated from fixed seeds,
with ALFWorld's six task types. Invalid actions answer "Nothing happens." as ALFWorld does.

Progress rate = share of the task type's annotated subgoals reached (pick the object up,
process it, place it; the look task: hold it under the lamp); success = all of them.
To evaluate on real ALFWorld games instead, install ``alfworld``, download its data
(``alfworld-download``) and run them with its own TextWorld interface; its GPL planner is not
bundled here.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping
from typing import Any

from acbench_tasks.agentboard.base import (
    Environment,
    StepResult,
    normalize_action,
    unknown_problem_set,
    worked_example,
)

NOTHING = "Nothing happens."
RECEPTACLES = [
    "cabinet 1",
    "cabinet 2",
    "cabinet 3",
    "countertop 1",
    "countertop 2",
    "drawer 1",
    "drawer 2",
    "fridge 1",
    "microwave 1",
    "sinkbasin 1",
    "shelf 1",
    "desk 1",
    "diningtable 1",
    "garbagecan 1",
]
OPENABLE = {"cabinet", "drawer", "fridge", "microwave"}
OBJECTS = [
    "apple",
    "mug",
    "bowl",
    "plate",
    "tomato",
    "potato",
    "cup",
    "egg",
    "book",
    "pen",
    "cellphone",
    "keychain",
]
PROCESS = {"clean": "sinkbasin", "heat": "microwave", "cool": "fridge"}
TASK_TYPES = (
    "pick_and_place",
    "pick_clean_then_place",
    "pick_heat_then_place",
    "pick_cool_then_place",
    "look_at_obj_in_light",
    "pick_two_obj_and_place",
)
TARGET_TYPES = ["cabinet", "countertop", "drawer", "shelf", "diningtable", "fridge"]
_ACTION_RE = {
    "go": re.compile(r"^go to (.+)$"),
    "open": re.compile(r"^open (.+)$"),
    "close": re.compile(r"^close (.+)$"),
    "take": re.compile(r"^(?:take|pick up) (.+?) from (.+)$"),
    "put": re.compile(r"^(?:put|move) (.+?) (?:in/on|in|on|into|onto|to) (.+)$"),
    "process": re.compile(r"^(clean|heat|cool) (.+?) with (.+)$"),
    "use": re.compile(r"^use (.+)$"),
    "examine": re.compile(r"^examine (.+)$"),
}


def _kind(name: str) -> str:
    return name.rsplit(" ", 1)[0]


def _listing(items: list[str]) -> str:
    if not items:
        return "nothing"
    named = [f"a {i}" for i in items]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + f", and {named[-1]}"


def make_problem(seed: int, task_type: str) -> dict[str, Any]:
    """A room, an object layout and one task of ``task_type``, with a solution."""
    rng = random.Random(f"household-{seed}-{task_type}")
    kinds = rng.sample(OBJECTS, 6)
    wanted = kinds[0]
    counts = {k: rng.randint(1, 2) for k in kinds}
    if task_type == "pick_two_obj_and_place":
        counts[wanted] = 2
    target_type = rng.choice(
        [t for t in TARGET_TYPES if t != "fridge" or task_type != "pick_cool_then_place"]
    )
    holders = [r for r in RECEPTACLES if _kind(r) not in ("sinkbasin", "microwave", "garbagecan")]
    away = [r for r in holders if _kind(r) != target_type]  # the task object starts elsewhere
    layout = {
        f"{k} {i}": rng.choice(away if k == wanted else holders)
        for k in kinds
        for i in range(1, counts[k] + 1)
    }
    adjective = {
        "pick_clean_then_place": "clean ",
        "pick_heat_then_place": "hot ",
        "pick_cool_then_place": "cool ",
    }.get(task_type, "")
    if task_type == "look_at_obj_in_light":
        goal = f"look at {wanted} under the desklamp."
    elif task_type == "pick_two_obj_and_place":
        goal = f"put two {wanted} in {target_type}."
    else:
        goal = f"put a {adjective}{wanted} in {target_type}."
    problem = {
        "id": f"{task_type}-{seed:03d}",
        "task_type": task_type,
        "object": wanted,
        "target": target_type,
        "layout": dict(sorted(layout.items())),
        "goal": goal,
    }
    problem["solution"] = _solve(problem)
    return problem


def _solve(problem: Mapping[str, Any]) -> list[str]:
    """A plan for the problem, found by simulating a simple scripted agent."""
    env = HouseholdEnvironment(problem)
    env.reset()
    plan: list[str] = []

    def do(action: str) -> None:
        result = env.step(action)
        assert result.valid, (problem["id"], action, result.observation)
        plan.append(action)

    def visit(place: str) -> None:
        if env.location != place:
            do(f"go to {place}")
        if _kind(place) in OPENABLE and not env.opened.get(place):
            do(f"open {place}")

    wanted = [o for o in sorted(env.where) if _kind(o) == problem["object"]]
    task = problem["task_type"]
    target = next(r for r in RECEPTACLES if _kind(r) == problem["target"])
    for obj in wanted[: 2 if task == "pick_two_obj_and_place" else 1]:
        visit(env.where[obj])
        do(f"take {obj} from {env.where[obj]}")
        verb = next((v for v in PROCESS if task == f"pick_{v}_then_place"), None)
        if verb:
            tool = next(r for r in RECEPTACLES if _kind(r) == PROCESS[verb])
            if env.location != tool:
                do(f"go to {tool}")
            do(f"{verb} {obj} with {tool}")
        if task == "look_at_obj_in_light":
            if env.location != "desk 1":
                do("go to desk 1")
            do("use desklamp 1")
            break
        visit(target)
        do(f"put {obj} in/on {target}")
    return plan


@functools.cache
def _example() -> str:
    """A solved clean-then-place task (not in any problem set), as a worked example."""
    example = make_problem(999, "pick_clean_then_place")
    return worked_example(HouseholdEnvironment(example), example["solution"])


class HouseholdEnvironment(Environment):
    """One room and one task; state is where things are, what is open, held and processed."""

    name = "alfworld"
    invalid_observation = NOTHING

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.reset()

    @classmethod
    def problems(cls, problem_set: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
        if problem_set == "sample":
            return [make_problem(1, "pick_and_place"), make_problem(2, "pick_heat_then_place")]
        if problem_set == "default":  # ALFWorld's unseen split has 134 games
            return [make_problem(seed, TASK_TYPES[seed % 6]) for seed in range(134)]
        raise unknown_problem_set("alfworld", problem_set, ["sample", "default"])

    @property
    def goal(self) -> str:
        return f"Your task is to: {self.problem['goal']}"

    def instruction(self) -> str:
        return (
            "You are in a household and must complete a task by interacting with it. Answer with "
            "one action per turn. Actions: go to <receptacle>, open <receptacle>, close "
            "<receptacle>, take <object> from <receptacle>, put <object> in/on <receptacle>, "
            "clean <object> with <receptacle>, heat <object> with <receptacle>, cool <object> "
            "with <receptacle>, use <lamp>, examine <something>, look, inventory. Objects and "
            "receptacles are named with a number, e.g. 'mug 1', 'cabinet 2'."
        )

    def examples(self) -> str:
        return _example()

    def reset(self) -> str:
        self.where: dict[str, str] = dict(self.problem["layout"])
        self.location: str | None = None
        self.holding: str | None = None
        self.opened = {r: False for r in RECEPTACLES if _kind(r) in OPENABLE}
        self.state: dict[str, set[str]] = {v: set() for v in PROCESS}
        self.milestones: set[str] = set()
        seen = _listing(RECEPTACLES)
        return f"You are in the middle of a room. Looking quickly around you, you see {seen}."

    # ------------------------------------------------------------------ progress
    def _subgoals(self) -> list[str]:
        task = self.problem["task_type"]
        if task == "look_at_obj_in_light":
            return ["hold", "light"]
        if task == "pick_two_obj_and_place":
            return ["hold", "place1", "place2"]
        if task == "pick_and_place":
            return ["hold", "place1"]
        return ["hold", "process", "place1"]

    def _placed(self) -> int:
        task = self.problem["task_type"]
        verb = next((v for v in PROCESS if task == f"pick_{v}_then_place"), None)
        return sum(
            1
            for obj, place in self.where.items()
            if _kind(obj) == self.problem["object"]
            and _kind(place) == self.problem["target"]
            and (verb is None or obj in self.state[verb])
        )

    def progress(self) -> float:
        placed = self._placed()
        reached = set(self.milestones)
        reached |= {f"place{i}" for i in range(1, placed + 1)}
        subgoals = self._subgoals()
        return sum(s in reached for s in subgoals) / len(subgoals)

    # ------------------------------------------------------------------ acting
    def _contents(self, place: str) -> list[str]:
        return sorted(o for o, p in self.where.items() if p == place)

    def _sees(self, place: str) -> str:
        if _kind(place) in OPENABLE and not self.opened[place]:
            return f"The {place} is closed."
        preposition = "In it" if _kind(place) in OPENABLE else f"On the {place}"
        extra = ["desklamp 1"] if place == "desk 1" else []
        return f"{preposition}, you see {_listing(self._contents(place) + extra)}."

    def _reachable(self, place: str) -> bool:
        return place in RECEPTACLES and (_kind(place) not in OPENABLE or self.opened[place])

    def step(self, action: str) -> StepResult:
        observation = self._act(normalize_action(action))
        valid = observation is not None
        progress = self.progress()
        return StepResult(observation or NOTHING, valid, progress, done=progress >= 1.0)

    def _act(self, text: str) -> str | None:
        if text == "look":
            where = f"facing the {self.location}" if self.location else "in the middle of a room"
            return f"You are {where}. Next to it, you see nothing."
        if text == "inventory":
            return f"You are carrying: {'a ' + self.holding if self.holding else 'nothing'}."
        match = next(((verb, m) for verb, rx in _ACTION_RE.items() if (m := rx.match(text))), None)
        if match is None:
            return None
        verb, m = match
        if verb == "go":
            place = m.group(1)
            if place not in RECEPTACLES:
                return None
            self.location = place
            return f"You arrive at {place}. {self._sees(place)}"
        if verb in ("open", "close"):
            place = m.group(1)
            if (
                place != self.location
                or place not in self.opened
                or self.opened[place] == (verb == "open")
            ):
                return None
            self.opened[place] = verb == "open"
            if verb == "close":
                return f"You close the {place}."
            return f"You open the {place}. The {place} is open. {self._sees(place)}"
        if verb == "take":
            obj, place = m.group(1), m.group(2)
            if (
                self.holding
                or place != self.location
                or not self._reachable(place)
                or self.where.get(obj) != place
            ):
                return None
            del self.where[obj]
            self.holding = obj
            if _kind(obj) == self.problem["object"]:
                self.milestones.add("hold")
            return f"You pick up the {obj} from the {place}."
        if verb == "put":
            obj, place = m.group(1), m.group(2)
            if self.holding != obj or place != self.location or not self._reachable(place):
                return None
            self.where[obj] = place
            self.holding = None
            return f"You put the {obj} in/on the {place}."
        if verb == "process":
            process, obj, place = m.group(1), m.group(2), m.group(3)
            if self.holding != obj or place != self.location or _kind(place) != PROCESS[process]:
                return None
            self.state[process].add(obj)
            if (
                _kind(obj) == self.problem["object"]
                and self.problem["task_type"] == f"pick_{process}_then_place"
            ):
                self.milestones.add("process")
            done = {"clean": "clean", "heat": "heat", "cool": "cool"}[process]
            return f"You {done} the {obj} using the {place}."
        if verb == "use":
            if m.group(1) != "desklamp 1" or self.location != "desk 1":
                return None
            if self.holding and _kind(self.holding) == self.problem["object"]:
                self.milestones.add("light")
            return "You turn on the desklamp 1."
        if verb == "examine":
            thing = m.group(1)
            if thing in RECEPTACLES and thing == self.location:
                return self._sees(thing)
            if thing == self.holding or (
                thing in self.where and self.where[thing] == self.location
            ):
                flags = [
                    v + "ed" if v != "clean" else "clean" for v in PROCESS if thing in self.state[v]
                ]
                return (
                    f"There's nothing special about {thing}."
                    if not flags
                    else f"The {thing} is {', '.join(flags)}."
                )
            return None
        return None
