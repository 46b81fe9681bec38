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

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acbench_tasks.agentboard.tools import config

#: Registry name of the task environment for each AgentBoard data folder.
TASK_ENV = {"tool-query": "tool_query", "tool-operation": "tool_operation"}


def sheet_gspread(metadata: Mapping[str, Any]) -> int:
    """Which gspread's formula handling the sheet reproduces: ``sheet_gspread`` if given, else
    6 under ``protocol: acbench`` (what ACBench's install ran) and 5 under ``protocol: clean``
    (formulas written, as AgentBoard's annotators had them)."""
    if metadata.get("sheet_gspread") is not None:
        return int(metadata["sheet_gspread"])
    return 5 if str(metadata.get("protocol", "acbench")).lower() == "clean" else 6


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
            runtime["sheet_gspread"] = sheet_gspread(metadata)
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
RAW_ACTIONS = "Raw/{tool}_raw.json"  # under AgentBoard's agentboard/prompts
TODO_PROJECTS = "agentboard/utils/todo/projects.json"


def _read_json(path: Path, what: str) -> Any:
    from acbench_tasks.agentboard import upstream

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise upstream.UpstreamError(
            f"missing {path} ({what}); give upstream_dir or prompt_dir a copy of "
            f"{upstream.AGENTBOARD_REPO}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise upstream.UpstreamError(f"{path} is not valid JSON ({err})") from None


def action_names_of(tool: str, metadata: Mapping[str, Any]) -> list[str]:
    """What ``check_valid_actions`` lists: the names in AgentBoard's ``Raw/<tool>_raw.json``."""
    from acbench_tasks.agentboard import upstream

    path = upstream.prompt_dir(metadata) / RAW_ACTIONS.format(tool=tool)
    raw = _read_json(path, f"the {tool} action names")
    try:
        return [str(item["name"]) for item in raw["tool_set_message"]]
    except (KeyError, TypeError):
        raise upstream.UpstreamError(f"{path}: no tool_set_message list of names") from None


def vanilla_prompt_of(tool: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """AgentBoard's VanillaAgent prompt for a tool (``<tool>_prompt.json``)."""
    from acbench_tasks.agentboard import upstream

    prompt = upstream.vanilla_prompt(f"{tool}_prompt", metadata)
    return upstream.check_vanilla(prompt, f"{tool}_prompt.json")


def todo_projects(metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The projects and tasks AgentBoard puts in the Todoist account before each todo problem."""
    from acbench_tasks.agentboard import upstream

    path = upstream.agentboard_checkout(metadata) / TODO_PROJECTS
    projects = _read_json(path, "todo's projects.json")
    if not isinstance(projects, list):
        raise upstream.UpstreamError(f"{path}: expected a list of projects")
    return projects


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
        prompts={tool: vanilla_prompt_of(tool, metadata) for tool in wanted},
        todo_projects=todo_projects(metadata) if "todo" in wanted else None,
    )
