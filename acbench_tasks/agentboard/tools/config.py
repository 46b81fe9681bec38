"""Which tools a run uses, their keys, and how their HTTP calls are made (live/record/replay).

Task metadata (``--metadata '{...}'``) and environment variables:

* ``tools``: the tools to run, e.g. ``["academia"]`` (default: all of the task's tools:
  Tool-Query = academia, weather, movie; Tool-Operation = todo, sheet);
* movie: ``TMDB_TOKEN`` (or AgentBoard's ``MOVIE_KEY``), a TMDB *API Read Access Token*;
* todo: ``TODOIST_TOKEN`` (or ``TODO_KEY``) **and** the opt-in ``todo_reset_account: true``
  (or ``ACBENCH_TODOIST_RESET_ACCOUNT=1``): every todo problem first deletes all projects of the
  account but the Inbox (see :mod:`.todo`);
* sheet: ``sheet_credentials`` (or ``GOOGLE_SHEETS_CREDENTIALS``), the path of a Google service
  account's ``credential.json`` with the Sheets and Drive APIs enabled; ``SHEET_EMAIL`` (or
  ``sheet_share_with``) shares each copy with you, ``sheet_folder_id`` puts copies in a Drive
  folder shared with the account; ``sheet_step_delay`` (seconds, AgentBoard: 10) before each step;
  ``sheet_gspread`` (6 or 5; default 6, and 5 under ``protocol: clean``): which gspread's
  handling of the formula tools to reproduce (see :mod:`.sheet`);
* ``http_record_dir``: run live and write every exchange to ``<dir>/<env>/<tool>/<id>.json``;
  ``http_replay_dir``: answer every call from such a folder, with no network and no keys.

A tool whose key or data is missing is skipped with one line saying what to set; the results
then hold fewer problems (lm-eval's sample count says how many ran). Keys are read from the
environment when an episode starts and are never written into problems, logs or recordings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acbench_tasks.agentboard.tools.academia import check_academia_data
from acbench_tasks.common.http_replay import HttpClient

logger = logging.getLogger(__name__)

TOOLS: dict[str, tuple[str, ...]] = {
    "tool-query": ("academia", "weather", "movie"),
    "tool-operation": ("todo", "sheet"),
}
MOVIE_KEYS = ("TMDB_TOKEN", "MOVIE_KEY")
TODO_KEYS = ("TODOIST_TOKEN", "TODO_KEY")
TODO_OPT_IN_ENV = "ACBENCH_TODOIST_RESET_ACCOUNT"
SHEET_CREDENTIALS_ENV = "GOOGLE_SHEETS_CREDENTIALS"
SHEET_EMAIL_ENV = "SHEET_EMAIL"
#: AgentBoard waits this long before each sheet step (Google's per-minute quota).
SHEET_STEP_DELAY_S = 10.0
TODO_ACCOUNT_NOTICE = (
    "todo: this run RESETS the Todoist account of the token before each of its {n} todo "
    "problems: every project except the Inbox is deleted with all its tasks, then AgentBoard's "
    "projects and tasks are created and the agent edits them; they stay in the account "
    "afterwards (as AgentBoard does). Use an account made for this. Todo problems run one at a "
    "time: add agent_concurrency=1 to the acbench-agent --model_args."
)


class ToolConfigError(ValueError):
    """A setting of the tool tasks that cannot work (unknown tool, two HTTP modes)."""


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def first_env(names: Sequence[str]) -> str | None:
    """The first of ``names`` set (non-empty) in the environment."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def selected_tools(env_key: str, metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The tools of ``env_key`` the run asked for (``tools`` metadata; default all)."""
    known = TOOLS[env_key]
    wanted = metadata.get("tools")
    if wanted in (None, "", []):
        return known
    if isinstance(wanted, str):
        wanted = [part.strip() for part in wanted.split(",") if part.strip()]
    unknown = [tool for tool in wanted if tool not in known]
    if unknown:
        raise ToolConfigError(
            f"{env_key}: unknown tool(s) {', '.join(map(str, unknown))}; this task has "
            f'{", ".join(known)} (--metadata \'{{"tools": ["{known[0]}"]}}\')'
        )
    return tuple(tool for tool in known if tool in wanted)


@dataclass(frozen=True)
class HttpSettings:
    """How an episode's HTTP calls are made, and where recordings live."""

    mode: str = "live"
    folder: str | None = None

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> HttpSettings:
        record, replay = metadata.get("http_record_dir"), metadata.get("http_replay_dir")
        if record and replay:
            raise ToolConfigError("set http_record_dir or http_replay_dir, not both")
        if replay:
            return cls("replay", str(Path(replay).expanduser()))
        if record:
            return cls("record", str(Path(record).expanduser()))
        return cls()

    def cassette(self, env_key: str, tool: str, problem_id: Any) -> Path | None:
        if self.folder is None:
            return None
        return Path(self.folder) / env_key / tool / f"{problem_id}.json"

    def client(self, env_key: str, tool: str, problem_id: Any) -> HttpClient:
        return HttpClient(self.mode, self.cassette(env_key, tool, problem_id))  # type: ignore[arg-type]


def sheet_credentials(metadata: Mapping[str, Any]) -> str | None:
    path = metadata.get("sheet_credentials") or os.environ.get(SHEET_CREDENTIALS_ENV)
    return str(Path(path).expanduser()) if path else None


def todo_opted_in(metadata: Mapping[str, Any]) -> bool:
    return _truthy(metadata.get("todo_reset_account")) or _truthy(os.environ.get(TODO_OPT_IN_ENV))


def missing_requirement(
    tool: str, metadata: Mapping[str, Any], data_root: str | Path | None
) -> str | None:
    """Why ``tool``'s problems cannot run in this set-up (``None`` when they can)."""
    if tool == "academia":
        if data_root is None:
            return "academia needs the AgentBoard data (data_source hub or data_dir)"
        return check_academia_data(data_root)
    if HttpSettings.from_metadata(metadata).mode == "replay":
        return None  # answers come from the recordings: no key, no account
    if tool == "movie" and first_env(MOVIE_KEYS) is None:
        return "movie needs a TMDB API read access token in TMDB_TOKEN (or MOVIE_KEY)"
    if tool == "todo":
        if first_env(TODO_KEYS) is None:
            return "todo needs a Todoist API token in TODOIST_TOKEN (or TODO_KEY)"
        if not todo_opted_in(metadata):
            return (
                "todo resets the whole Todoist account before each problem; opt in with "
                "--metadata '{\"todo_reset_account\": true}' (or "
                f"{TODO_OPT_IN_ENV}=1) on an account made for it"
            )
    if tool == "sheet":
        path = sheet_credentials(metadata)
        if path is None:
            return (
                "sheet needs a Google service account key: sheet_credentials or "
                f"{SHEET_CREDENTIALS_ENV}=<path to credential.json>"
            )
        if not Path(path).is_file():
            return f"sheet: the credential file {path} does not exist"
    return None


def plan_tools(
    env_key: str,
    records: Sequence[Mapping[str, Any]],
    metadata: Mapping[str, Any],
    data_root: str | Path | None,
) -> list[Mapping[str, Any]]:
    """The records whose tool is selected and can run; one line per tool left out."""
    wanted = selected_tools(env_key, metadata)
    counts: dict[str, int] = {}
    for record in records:
        tool = str((record.get("additional_info") or {}).get("tool", ""))
        counts[tool] = counts.get(tool, 0) + 1
    runnable = []
    for tool in wanted:
        reason = missing_requirement(tool, metadata, data_root)
        if reason is None:
            runnable.append(tool)
        elif counts.get(tool):
            logger.warning(
                "%s: skipping the %d %s problems: %s", env_key, counts[tool], tool, reason
            )
    kept = [r for r in records if (r.get("additional_info") or {}).get("tool") in runnable]
    ran = ", ".join(f"{tool} {counts.get(tool, 0)}" for tool in runnable) or "none"
    logger.warning("%s: running %d of %d problems (%s)", env_key, len(kept), len(records), ran)
    if "todo" in runnable and counts.get("todo"):
        mode = HttpSettings.from_metadata(metadata).mode
        if mode != "replay":
            logger.warning(TODO_ACCOUNT_NOTICE.format(n=counts["todo"]))
    return kept
