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
    (env / "pddl_env" / "pddl_env.py").write_text(pddl_env or "predicate_map = {}\n")
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
