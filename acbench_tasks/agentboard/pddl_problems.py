"""PDDL problem sets for the four bundled domains, generated from fixed seeds.

Each generator returns a problem (PDDL text) together with a valid plan, so every problem is
known to be solvable and the tests can replay the plan to success. The default set has the
paper's sizes (barman 20, blocksworld 10, gripper 20, tyreworld 10); the sample set one small
problem per domain.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

Problem = dict[str, Any]


def _problem(domain: str, name: str, objects: dict[str, list[str]], init, goal) -> str:
    decls = " ".join(f"{' '.join(names)} - {kind}" for kind, names in objects.items() if names)
    atoms = "\n    ".join(f"({' '.join(a)})" for a in init)
    goals = " ".join(f"({' '.join(a)})" for a in goal)
    return (
        f"(define (problem {name}) (:domain {domain})\n  (:objects {decls})\n"
        f"  (:init\n    {atoms})\n  (:goal (and {goals})))\n"
    )


def _pack(domain: str, ident: str, text: str, plan: list[str]) -> Problem:
    return {"id": ident, "domain": domain, "problem_pddl": text, "solution": plan}


def blocksworld(seed: int, n_blocks: int) -> Problem:
    """Random start towers and random goal towers; plan: clear everything, then build."""
    rng = random.Random(seed)
    blocks = [f"b{i}" for i in range(1, n_blocks + 1)]

    def towers() -> list[list[str]]:
        order = rng.sample(blocks, len(blocks))
        result, i = [], 0
        while i < len(order):
            size = rng.randint(1, max(1, min(3, len(order) - i)))
            result.append(order[i : i + size])
            i += size
        return result

    start = towers()
    start_on = {(upper, lower) for t in start for lower, upper in pairwise(t)}

    def fresh(candidate: list[list[str]]) -> bool:  # something to stack, nothing true yet
        pairs = {(upper, lower) for t in candidate for lower, upper in pairwise(t)}
        return bool(pairs) and not pairs & start_on

    goal_towers = towers()
    while not fresh(goal_towers):
        goal_towers = towers()
    goal_towers = [t for t in goal_towers if len(t) > 1]
    init = [("handempty",)]
    for tower in start:
        init.append(("ontable", tower[0]))
        init += [("on", upper, lower) for lower, upper in pairwise(tower)]
        init.append(("clear", tower[-1]))
    goal = [("on", upper, lower) for t in goal_towers for lower, upper in pairwise(t)]
    plan = []
    for tower in start:
        for lower, upper in reversed(list(pairwise(tower))):
            plan += [f"unstack {upper} {lower}", f"putdown {upper}"]
    for tower in goal_towers:
        for lower, upper in pairwise(tower):
            plan += [f"pickup {upper}", f"stack {upper} {lower}"]
    ident = f"blocksworld-{seed:02d}"
    text = _problem("blocksworld", ident, {"block": blocks}, init, goal)
    return _pack("blocksworld", ident, text, plan)


def gripper(seed: int, n_balls: int) -> Problem:
    """All balls start in one room and must be carried to the other (the seed picks which)."""
    rng = random.Random(seed)
    rooms = ["rooma", "roomb"]
    balls = [f"ball{i}" for i in range(1, n_balls + 1)]
    target = rng.choice(rooms)
    source = next(r for r in rooms if r != target)
    start = {b: source for b in balls}  # no goal literal holds at the start
    init = [("at-robby", "rooma"), ("free", "left"), ("free", "right")]
    init += [("at", b, start[b]) for b in balls]
    goal = [("at", b, target) for b in balls]
    plan, here = [], "rooma"
    moving = [b for b in balls if start[b] != target]
    for i in range(0, len(moving), 2):
        pair = list(zip(moving[i : i + 2], ("left", "right"), strict=False))
        if here != source:
            plan.append(f"move {here} {source}")
            here = source
        plan += [f"pick {b} {source} {g}" for b, g in pair]
        plan.append(f"move {source} {target}")
        here = target
        plan += [f"drop {b} {target} {g}" for b, g in pair]
    ident = f"gripper-{seed:02d}"
    objects = {"room": rooms, "ball": balls, "gripper": ["left", "right"]}
    text = _problem("gripper", ident, objects, init, goal)
    return _pack("gripper", ident, text, plan)


def tyreworld(seed: int, n_hubs: int) -> Problem:
    """Replace ``n_hubs`` flat wheels with inflated spares; flat wheels go into the boot."""
    hubs = [f"hub{i}" for i in range(1, n_hubs + 1)]
    nuts = [f"nuts{i}" for i in range(1, n_hubs + 1)]
    flats = [f"wheel{i}" for i in range(1, n_hubs + 1)]
    spares = [f"spare{i}" for i in range(1, n_hubs + 1)]
    init = [("closed", "boot"), ("is-wrench", "wrench"), ("is-jack", "jack"), ("is-pump", "pump")]
    init += [("in", t, "boot") for t in ("wrench", "jack", "pump", *spares)]
    for hub, nut, wheel, spare in zip(hubs, nuts, flats, spares, strict=True):
        init += [("on", wheel, hub), ("tight", nut, hub), ("on-ground", hub)]
        init += [("fastened", hub), ("flat", spare)]
    goal = []  # only literals false at the start, so progress starts at 0
    for hub, wheel, spare in zip(hubs, flats, spares, strict=True):
        goal += [("on", spare, hub), ("inflated", spare), ("in", wheel, "boot")]
    plan = ["open boot", "fetch wrench boot", "fetch jack boot", "fetch pump boot"]
    for hub, nut, wheel, spare in zip(hubs, nuts, flats, spares, strict=True):
        plan += [
            f"fetch {spare} boot",
            f"inflate {spare} pump",
            f"loosen {nut} {hub} wrench",
            f"jack-up {hub} jack",
            f"undo {nut} {hub} wrench",
            f"remove-wheel {wheel} {hub}",
            f"put-on-wheel {spare} {hub}",
            f"do-up {nut} {hub} wrench",
            f"jack-down {hub} jack",
            f"tighten {nut} {hub} wrench",
            f"put-away {wheel} boot",
        ]
    plan += ["put-away wrench boot", "put-away jack boot", "put-away pump boot", "close boot"]
    ident = f"tyreworld-{seed:02d}"
    objects = {
        "container": ["boot"],
        "tool": ["wrench", "jack", "pump"],
        "wheel": flats + spares,
        "nut": nuts,
        "hub": hubs,
    }
    text = _problem("tyreworld", ident, objects, init, goal)
    return _pack("tyreworld", ident, text, plan)


def barman(seed: int, n_drinks: int) -> Problem:
    """Serve ``n_drinks`` cocktails into shot glasses; one extra glass is the working glass."""
    rng = random.Random(seed)
    ingredients = ["ingredient1", "ingredient2", "ingredient3"]
    dispensers = ["dispenser1", "dispenser2", "dispenser3"]
    cocktails = [f"cocktail{i}" for i in range(1, 4)]
    recipes = {c: rng.sample(ingredients, 2) for c in cocktails}
    shots = [f"shot{i}" for i in range(1, n_drinks + 2)]
    work = shots[-1]
    orders = [(shots[i], rng.choice(cocktails)) for i in range(n_drinks)]
    init = [("handempty", "left"), ("handempty", "right"), ("ontable", "shaker1")]
    init += [("empty", "shaker1"), ("clean", "shaker1")]
    init += [x for s in shots for x in (("ontable", s), ("empty", s), ("clean", s))]
    init += [("dispenses", d, i) for d, i in zip(dispensers, ingredients, strict=True)]
    for cocktail, (first, second) in recipes.items():
        init += [("part1", cocktail, first), ("part2", cocktail, second)]
    goal = [("contains", shot, cocktail) for shot, cocktail in orders]
    dispenser = dict(zip(ingredients, dispensers, strict=True))
    plan = []
    for shot, cocktail in orders:
        first, second = recipes[cocktail]
        plan += [
            f"grasp left {work}",
            f"fill-shot {work} {first} left right {dispenser[first]}",
            f"pour-shot-to-clean-shaker {work} {first} shaker1 left",
            f"clean-shot {work} left right",
            f"fill-shot {work} {second} left right {dispenser[second]}",
            f"pour-shot-to-used-shaker {work} {second} shaker1 left",
            f"clean-shot {work} left right",
            f"leave left {work}",
            "grasp left shaker1",
            f"shake {cocktail} {first} {second} shaker1 left right",
            f"pour-shaker-to-shot {cocktail} {shot} left shaker1",
            "clean-shaker left right shaker1",
            "leave left shaker1",
        ]
    ident = f"barman-{seed:02d}"
    objects = {
        "hand": ["left", "right"],
        "shaker": ["shaker1"],
        "shot": shots,
        "ingredient": ingredients,
        "cocktail": cocktails,
        "dispenser": dispensers,
    }
    text = _problem("barman", ident, objects, init, goal)
    return _pack("barman", ident, text, plan)


GENERATORS: dict[str, Callable[[int, int], Problem]] = {
    "barman": barman,
    "blocksworld": blocksworld,
    "gripper": gripper,
    "tyreworld": tyreworld,
}


def default_set() -> list[Problem]:
    """60 problems, the paper's split: barman 20, blocksworld 10, gripper 20, tyreworld 10."""
    problems = [barman(seed, 1 + seed % 3) for seed in range(1, 21)]
    problems += [blocksworld(seed, 3 + seed % 4) for seed in range(1, 11)]
    problems += [gripper(seed, 2 + seed % 5) for seed in range(1, 21)]
    problems += [tyreworld(seed, 1 + (seed - 1) // 4) for seed in range(1, 11)]
    return problems


def sample_set() -> list[Problem]:
    """One small problem per domain (tests and the demo)."""
    return [blocksworld(101, 3), gripper(101, 2), tyreworld(101, 1), barman(101, 1)]


def example_problem(domain: str) -> Problem:
    """The tiny problem solved in the prompt's worked example (not in any set)."""
    sizes = {"blocksworld": 2, "gripper": 1, "tyreworld": 1, "barman": 1}
    return GENERATORS[domain](900, sizes[domain])


PROBLEM_SETS: dict[str, Callable[[], list[Problem]]] = {
    "sample": sample_set,
    "default": default_set,
}


def from_folder(root: Path) -> list[Problem]:
    """User problems in the ``<root>/<domain>.pddl`` + ``<root>/<domain>/*.pddl`` layout."""
    if not root.is_dir():
        raise FileNotFoundError(f"pddl_dir {root} is not a folder")
    problems = []
    for domain_file in sorted(root.glob("*.pddl")):
        folder = root / domain_file.stem
        for problem_file in sorted(folder.glob("*.pddl")) if folder.is_dir() else []:
            problems.append(
                {
                    "id": f"{domain_file.stem}/{problem_file.stem}",
                    "domain": domain_file.stem,
                    "domain_pddl": domain_file.read_text(encoding="utf-8"),
                    "problem_pddl": problem_file.read_text(encoding="utf-8"),
                }
            )
    if not problems:
        raise FileNotFoundError(
            f"no problems in {root}: expected <domain>.pddl files with a <domain>/ folder of "
            "problem .pddl files beside each"
        )
    return problems
