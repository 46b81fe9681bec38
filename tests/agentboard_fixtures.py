"""Made-up stand-ins for AgentBoard's upstream files, in AgentBoard's exact layout.

Texts here are our own (shapes as upstream, words not): prompt JSONs with ``instruction``,
``examples``, ``system_msg``; module-level tables in the environment modules; ACBench's
``prompt_templates`` dict. Tests point ``upstream_dir`` / ``chat_templates_file`` at them.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

PROMPTS = {
    "jericho_vanilla_prompt": {
        "instruction": "You play a text game. Actions: look, take <obj>, go <dir>.",
        "examples": ["Goal: Leave the room.\nObservation: A room.\nAction: go north\n"],
        "system_msg": "You are a game master.",
    },
    "scienceworld_base": {
        "instruction": "You are in a science lab. Commands: look around, open OBJ.",
        "examples": "Task Description: Boil water.\nACTION: look around\nOBSERVATION: A lab.",
        "system_msg": "You are a scientist. ",
    },
    "alfworld_base": {
        "instruction": "Interact with a household.",
        "examples": {
            "put": ["Your task is to: put a mug in shelf.\n", "> go to shelf 1\n"],
            "clean": ["Your task is to: clean a mug.\n"],
            "heat": ["Your task is to: heat a mug.\n"],
            "cool": ["Your task is to: cool a mug.\n"],
            "puttwo": ["Your task is to: put two mugs.\n"],
            "examine": ["Your task is to: look at a mug.\n"],
        },
        "system_msg": "You are a helpful assistant.",
    },
    "pddl_vanilla_prompt": {
        domain: {
            "instruction": f"You solve {domain} problems.",
            "examples": [f"Goal: a {domain} goal.\nObservation: A.\nAction: act\n"],
            "system_msg": "You are a master in planning.",
        }
        for domain in ("blockworld", "gripper", "barman", "tyreworld")
    },
}

JERICHO_ENV = """
import re
game_goals = {
    "905": "Get to work on time.",
    "zork1": "Collect the treasures.",
    "darkhunt": "Hunt in the dark.",
}
game_init_obs = {
    "905": "The phone rings.",
    "zork1": "West of House.",
    "darkhunt": "A dark forest.",
}
def not_a_table():
    return 1
"""

CHAT_TEMPLATES = '''
prompt_templates = {
    "deepseek":
            """
                {system_prompt}

                USER: {prompt}

                ASSISTANT:
            """,
    "llama":
            """
                <<SYS>>
                {system_prompt}
                <</SYS>>
                [INST]{prompt}[/INST]
            """,
    "qwen":
            """
            <|im_start|>system
            {system_prompt}
            <|im_end|>
            <|im_start|>user
            {prompt}<|im_end|>
            <|im_start|>assistant\\n
            """,
    "internlm":
            """
            <|im_start|>system
            {system_prompt}
            <|im_end|>
            <|im_start|>user
            {prompt}<|im_end|>
            <|im_start|>assistant\\n
            """,
}
'''


def write_checkout(root: Path, pddl_files: dict[str, str] | None = None,
                   pddl_env: str = "") -> Path:  # fmt: skip
    """A fake AgentBoard checkout at ``root`` (``agentboard/...``)."""
    prompts = root / "agentboard" / "prompts" / "VanillaAgent"
    prompts.mkdir(parents=True, exist_ok=True)
    for name, prompt in PROMPTS.items():
        (prompts / f"{name}.json").write_text(json.dumps(prompt), encoding="utf-8")
    env = root / "agentboard" / "environment"
    (env / "pddl_env").mkdir(parents=True, exist_ok=True)
    (env / "jericho_env.py").write_text(JERICHO_ENV, encoding="utf-8")
    (env / "pddl_env" / "pddl_env.py").write_text(pddl_env or PDDL_ENV)
    pddl = env / "pddl_env" / "pddlgym" / "pddl"
    pddl.mkdir(parents=True, exist_ok=True)
    for rel, text in (pddl_files or {}).items():
        (pddl / rel).parent.mkdir(parents=True, exist_ok=True)
        (pddl / rel).write_text(text, encoding="utf-8")
    return root


def checkout_archive(checkout: Path, top: str) -> bytes:
    """The checkout as GitHub serves a source archive (one top folder)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(checkout.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=f"{top}/{path.relative_to(checkout)}")
        readme = f"{top}/README.md".encode()
        info = tarfile.TarInfo(f"{top}/README.md")
        info.size = len(readme)
        tar.addfile(info, io.BytesIO(readme))
    return buffer.getvalue()


# ---------------------------------------------------------------------------- PDDL
#: Our phrasings in the shape of AgentBoard's ``predicate_map`` (a module-level dict literal).
PDDL_ENV = """
import nltk
predicate_map = {
    "on": "{} is on {}.",
    "clear": "{} is clear.",
    "arm-empty": "Your arm is empty.",
    "holding": "You are holding {}.",
    "on-table": "{} is on the table.",
    "pickup": "Pickup {}.",
    "putdown": "Putdown {}.",
    "stack": "Stack {} on {}.",
    "unstack": "Unstack {} from {}.",
    "isopen": "{} is open.",
    "closed": "{} is closed.",
    "clear": "The {} is clear.",
}
"""

BLOCKS_DOMAIN = """(define (domain blocks-fixture)
  (:requirements :strips)
  (:predicates (clear ?x) (on-table ?x) (arm-empty) (holding ?x) (on ?x ?y))
  (:action pickup :parameters (?ob)
    :precondition (and (clear ?ob) (on-table ?ob) (arm-empty))
    :effect (and (holding ?ob) (not (clear ?ob)) (not (on-table ?ob)) (not (arm-empty))))
  (:action putdown :parameters (?ob)
    :precondition (holding ?ob)
    :effect (and (clear ?ob) (arm-empty) (on-table ?ob) (not (holding ?ob))))
  (:action stack :parameters (?ob ?underob)
    :precondition (and (clear ?underob) (holding ?ob))
    :effect (and (arm-empty) (clear ?ob) (on ?ob ?underob) (not (clear ?underob))
                 (not (holding ?ob))))
  (:action unstack :parameters (?ob ?underob)
    :precondition (and (on ?ob ?underob) (clear ?ob) (arm-empty))
    :effect (and (holding ?ob) (clear ?underob) (not (on ?ob ?underob)) (not (clear ?ob))
                 (not (arm-empty)))))
"""

# b3 sits on b1, b2 on the table; the goal b3-on-b1 holds from the start
BLOCKS_PROBLEM = """(define (problem BW-{n}) ; problem {n}
(:domain blocks-fixture)
(:objects b1 b2 b3 )
(:init (arm-empty) (on-table b1) (on-table b2) (on b3 b1) (clear b3) (clear b2))
(:goal (and (on b3 b1) (on b1 b2))))
"""

# typed, constants after the predicates, no :requirements (as AgentBoard's tyreworld)
BOX_DOMAIN = """(define (domain box-fixture)
  (:types obj - object container - object)
  (:predicates (isopen ?x - container) (closed ?x - container) (in ?x - obj ?y - container))
  (:constants boot - container)
  (:action open :parameters (?x - container)
    :precondition (and (closed ?x)) :effect (and (isopen ?x) (not (closed ?x))))
  (:action close :parameters (?x - container)
    :precondition (and (isopen ?x)) :effect (and (closed ?x) (not (isopen ?x)))))
"""
BOX_PROBLEM = """(define (problem box-{n})
(:domain box-fixture)
(:objects boot - container w1 - obj)
(:init (closed boot) (in w1 boot))
(:goal (and (isopen boot))))
"""


def pddl_files() -> dict[str, str]:
    """AgentBoard's four domain names, each with as many problems as AgentBoard plays."""
    files = {"blockworld.pddl": BLOCKS_DOMAIN, "gripper.pddl": BLOCKS_DOMAIN,
             "barman.pddl": BOX_DOMAIN, "tyreworld.pddl": BOX_DOMAIN}  # fmt: skip
    for n in range(1, 11):
        files[f"blockworld/problem{n}.pddl"] = BLOCKS_PROBLEM.format(n=n)
        files[f"tyreworld/p{n:02d}.pddl"] = BOX_PROBLEM.format(n=n)
    for n in range(1, 21):
        files[f"gripper/prob{n:02d}.pddl"] = BLOCKS_PROBLEM.format(n=n)
        files[f"barman/p{n:02d}.pddl"] = BOX_PROBLEM.format(n=n)
    return files


def write_data(root: Path, env: str, records: list[dict]) -> Path:
    """``root/data/<env>/test.jsonl``."""
    folder = root / "data" / env
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return root
