"""AgentBoard's Tool-Query / Tool-Operation records as episode problems.

:func:`tool_problems` keeps the records whose tool is selected and runnable (:mod:`.config`)
and turns each into the JSON problem an :class:`~.environment.AgentBoardToolEnvironment` plays:
the record's fields (``goal``, ``subgoals``, ``additional_info.{answer, init_config, goal_type,
tool}``, ``difficulty``) and a ``runtime`` block with what the episode needs besides keys: the
data root (academia), the HTTP mode and folder, the tool's action names (AgentBoard's
``prompts/Raw/<tool>_raw.json``), its VanillaAgent prompt texts and, for todo, AgentBoard's
``projects.json``. Keys and credentials are never put into problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acbench_tasks.agentboard.tools import config

#: Registry name of the task environment for each AgentBoard data folder.
TASK_ENV = {"tool-query": "tool_query", "tool-operation": "tool_operation"}


def tool_problems(
    env_key: str,
    records: Sequence[Mapping[str, Any]],
    metadata: Mapping[str, Any],
    *,
    data_root: str | Path | None,
    action_names: Mapping[str, Sequence[str]],
    prompts: Mapping[str, Mapping[str, Any]] | None = None,
    todo_projects: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The runnable problems of ``env_key`` (``tool-query`` or ``tool-operation``), in order."""
    http = config.HttpSettings.from_metadata(metadata)
    kept = config.plan_tools(env_key, records, metadata, data_root)
    delay = metadata.get("sheet_step_delay")
    problems = []
    for index, record in enumerate(kept):
        info = dict(record.get("additional_info") or {})
        tool = str(info.get("tool", ""))
        runtime: dict[str, Any] = {
            "env_key": env_key,
            "http_mode": http.mode,
            "http_dir": http.folder,
            "action_names": list(action_names.get(tool, [])),
            "prompt": dict((prompts or {}).get(tool, {})),
        }
        if tool == "academia":
            runtime["data_root"] = str(data_root)
        if tool == "todo":
            runtime["todo_projects"] = list(todo_projects or [])
        if tool == "sheet":
            live = http.mode != "replay"
            default = config.SHEET_STEP_DELAY_S if live else 0.0
            runtime["step_delay_s"] = float(default if delay is None else delay)
            runtime["sheet_credentials"] = config.sheet_credentials(metadata) if live else None
            runtime["sheet_share_with"] = metadata.get("sheet_share_with")
            runtime["sheet_folder_id"] = metadata.get("sheet_folder_id")
            runtime["sheet_gspread"] = int(metadata.get("sheet_gspread", 6))
        problems.append(
            {
                "id": str(record.get("id", index)),
                "env": TASK_ENV[env_key],
                "source": "agentboard",
                "tool": tool,
                "goal": str(record.get("goal", "")),
                "subgoals": record.get("subgoals") or [],
                "difficulty": record.get("difficulty"),
                "answer": info.get("answer"),
                "init_config": info.get("init_config"),
                "goal_type": info.get("goal_type", 0),
                "runtime": runtime,
            }
        )
    return problems


# ----------------------------------------------------------------------------- AgentBoard files
#: AgentBoard repository files the tool episodes read (at the pinned upstream revision).
RAW_ACTIONS = "agentboard/prompts/Raw/{tool}_raw.json"
VANILLA_PROMPT = "agentboard/prompts/VanillaAgent/{tool}_prompt.json"
TODO_PROJECTS = "agentboard/utils/todo/projects.json"


def upstream_json(relative: str, metadata: Mapping[str, Any]) -> Any:
    """A JSON file of AgentBoard's repository at the pinned revision (or the user's copy)."""
    from acbench_tasks.agentboard import upstream  # AgentBoard's texts, read at run time

    return upstream.read_json(relative, metadata)


def action_names_of(tool: str, metadata: Mapping[str, Any]) -> list[str]:
    """What ``check_valid_actions`` lists: the names in AgentBoard's ``<tool>_raw.json``."""
    raw = upstream_json(RAW_ACTIONS.format(tool=tool), metadata)
    return [str(item["name"]) for item in raw["tool_set_message"]]


def agentboard_problems(env_key: str, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """AgentBoard's Tool-Query or Tool-Operation problems that can run in this set-up."""
    from acbench_tasks.agentboard import data

    records = data.load_records(env_key, metadata)
    root = data.agentboard_root(metadata)
    tools = {str((r.get("additional_info") or {}).get("tool")) for r in records}
    wanted = [t for t in config.selected_tools(env_key, metadata) if t in tools]
    return tool_problems(
        env_key,
        records,
        metadata,
        data_root=root,
        action_names={tool: action_names_of(tool, metadata) for tool in wanted},
        prompts={
            tool: upstream_json(VANILLA_PROMPT.format(tool=tool), metadata) for tool in wanted
        },
        todo_projects=upstream_json(TODO_PROJECTS, metadata) if "todo" in wanted else None,
    )
