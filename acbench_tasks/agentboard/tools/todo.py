"""Todo (Tool-Operation): a real Todoist account through Todoist's REST API v2.

**What a run does to the account.** Before *every* todo problem, as AgentBoard does, the world
deletes every project of the account except the Inbox (with all their tasks and sections) and
then creates AgentBoard's projects and tasks from its ``utils/todo/projects.json``; the agent
then completes, reschedules and deletes those tasks. Use an account made for this. The token
comes from ``TODOIST_TOKEN`` or AgentBoard's ``TODO_KEY``, and the todo problems only run after
an explicit opt-in (see :mod:`.config`). A replayed run touches no account.

Actions and result shapes follow AgentBoard's ``todo_env.py`` / ``todo_tools.py``: tasks are
shown as ``id, content, is_completed, order, priority, due_date``; projects as ``id, name,
color, order, is_favorite``. Logged Subgoals drop the ids (they differ per account and run).
For ``goal_type`` 1 problems the final projects and tasks (without ids) must equal the answer.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.base import Outcome, ToolCall, ToolWorld
from acbench_tasks.common.http_replay import HttpClient

API = "https://api.todoist.com/rest/v2"
URLS = {
    "projects": API + "/projects",
    "project": API + "/projects/{project_id}",
    "tasks": API + "/tasks",
    "task": API + "/tasks/{task_id}",
    "close_task": API + "/tasks/{task_id}/close",
}
#: Task keys AgentBoard removes before showing a task (then ``due`` becomes ``due_date``).
TASK_DROPPED = (
    "assigner_id",
    "assignee_id",
    "section_id",
    "parent_id",
    "labels",
    "comment_count",
    "creator_id",
    "created_at",
    "url",
    "project_id",
)
PROJECT_DROPPED = (
    "comment_count",
    "is_shared",
    "is_inbox_project",
    "is_team_inbox",
    "url",
    "view_style",
    "parent_id",
)
RESET_ATTEMPTS = 5
#: Todo worlds started and not yet closed in this process: one account, one problem at a time.
_IN_USE: set[int] = set()


class TodoResetError(RuntimeError):
    """The account could not be brought to AgentBoard's starting state."""


class TodoAccountBusy(RuntimeError):
    """Another todo problem is using the account (they must run one at a time)."""


def clean_task(task: dict[str, Any]) -> dict[str, Any]:
    """A Todoist task as AgentBoard shows it (a missing key is a ``KeyError``, as there)."""
    for key in TASK_DROPPED:
        task.pop(key)
    task["due_date"] = task["due"]["date"]
    for key in ("due", "description", "duration"):
        task.pop(key)
    return task


def clean_project(project: dict[str, Any]) -> dict[str, Any]:
    """A Todoist project as AgentBoard shows it."""
    for key in PROJECT_DROPPED:
        project.pop(key)
    return project


def without_ids(result: Any) -> Any:
    """The Subgoal of a todo result: ``id`` removed from list items, the dict and its
    ``task``/``project`` (ids differ between accounts and runs)."""
    cleaned = copy.deepcopy(result)
    if isinstance(cleaned, list):
        for item in cleaned:
            if isinstance(item, dict):
                item.pop("id")
    elif isinstance(cleaned, dict):
        cleaned.pop("id", None)
        for key in ("task", "project"):
            if key in cleaned:
                cleaned[key].pop("id")
    return cleaned


class TodoWorld(ToolWorld):
    """The todo toolkit of one problem, on the account the token opens."""

    name = "todo"
    calls: ClassVar[dict[str, ToolCall]] = {
        "get_user_current_date": ToolCall("get_user_current_date"),
        "get_user_current_location": ToolCall("get_user_current_location"),
        "get_projects": ToolCall("get_projects"),
        "update_project": ToolCall("update_project", ("project_id", "is_favorite")),
        "get_tasks": ToolCall("get_tasks", ("project_id",)),
        "get_task_description": ToolCall("get_task_description", ("task_id",)),
        "get_task_duration": ToolCall("get_task_duration", ("task_id",)),
        "complete_task": ToolCall("complete_task", ("task_id",)),
        "update_task": ToolCall("update_task", ("task_id", "due_date")),
        "delete_task": ToolCall("delete_task", ("task_id",)),
        "finish": ToolCall("finish", ("answer",)),
    }

    def __init__(
        self,
        http: HttpClient,
        token: str,
        initial_projects: Sequence[Mapping[str, Any]],
        *,
        current_date: Any = None,
        current_location: Any = None,
        action_names: Sequence[str] = (),
        retry_delay_s: float = 10.0,
    ) -> None:
        super().__init__(action_names)
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"}
        self.initial_projects = list(initial_projects)
        self.current_date = current_date
        self.current_location = current_location
        self.retry_delay_s = retry_delay_s

    def clean_subgoal(self, result: Any) -> Any:
        return without_ids(result)

    def close(self) -> None:
        _IN_USE.discard(id(self))
        self.http.close()

    # ------------------------------------------------------------------ account reset
    def start(self) -> None:
        """Wipe the account's projects and create AgentBoard's (5 tries, as AgentBoard).

        Refuses while another todo problem of this process is running on the account: resets
        of one would wipe the other's state (run Tool-Operation with ``agent_concurrency=1``).
        """
        if self.http.mode != "replay":
            if _IN_USE - {id(self)}:
                raise TodoAccountBusy(
                    "todo: another todo problem is using the Todoist account; todo problems "
                    "must run one at a time (--model_args ...,agent_concurrency=1)"
                )
            _IN_USE.add(id(self))
        try:
            self._reset_with_retries()
        except BaseException:
            _IN_USE.discard(id(self))
            raise

    def _reset_with_retries(self) -> None:
        last: Exception | None = None
        for attempt in range(RESET_ATTEMPTS):
            try:
                self._reset_account()
                return
            except (ConnectionError, TimeoutError):
                raise
            except Exception as err:  # AgentBoard retries any failure of its set-up
                last = err
                if attempt < RESET_ATTEMPTS - 1 and self.retry_delay_s > 0:
                    time.sleep(self.retry_delay_s)
        raise TodoResetError(f"todo: could not reset the Todoist account: {last}") from last

    def _reset_account(self) -> None:
        _, projects = self._all_projects()
        for project in projects:
            self._delete_project(project["id"])
        for project in self.initial_projects:
            _, created = self._add_project({"name": project["name"]})
            for task in project["tasks"]:
                self._add_task(
                    project_id=created["id"],
                    content=task["content"],
                    description=task["description"],
                    due_date=task["due_date"],
                    duration=task["duration"],
                    duration_unit=task["duration_unit"],
                    priority=task["priority"],
                )

    def final_status(self) -> dict[str, Any]:
        """The account's projects and tasks without ids (compared with ``goal_type`` 1 answers)."""
        _, projects = self._all_projects()
        tasks: list[Any] = []
        for project in projects:
            tasks.extend(self.get_tasks(project_id=project["id"])[1])
        for item in projects + tasks:
            item.pop("id")
        return {"projects": projects, "tasks": tasks}

    # ------------------------------------------------------------------ HTTP
    def _get(self, url: str, params: dict[str, Any] | None = None):
        return self.http.get(url, params=params, headers=self._headers)

    def _post(self, url: str, params: dict[str, Any] | None = None):
        return self.http.post(url, params=params, headers=self._headers)

    def _all_projects(self) -> Outcome:
        response = self._get(URLS["projects"])
        if response.status_code != 200:
            return False, response.text
        projects = [clean_project(p) for p in response.json()]
        return True, [p for p in projects if p["name"] != "Inbox"]

    def _add_project(self, project: dict[str, Any]) -> Outcome:
        response = self._post(URLS["projects"], params=project)
        if response.status_code == 200:
            return True, clean_project(response.json())
        return False, response.text

    def _add_task(self, **fields: Any) -> Outcome:
        response = self._post(URLS["tasks"], params=fields)
        if response.status_code == 200:
            return True, clean_task(response.json())
        return False, response.text

    def _delete_project(self, project_id: Any) -> Outcome:
        response = self._get(URLS["project"].format(project_id=project_id))
        if response.status_code != 200:
            return False, f"Project {project_id} is not exists."
        project = clean_project(response.json())
        response = self.http.delete(
            URLS["project"].format(project_id=project_id), headers=self._headers
        )
        return (True, project) if response.status_code == 204 else (False, response.text)

    def _existing_task(self, task_id: Any) -> dict[str, Any] | None:
        response = self._get(URLS["task"].format(task_id=task_id))
        return clean_task(response.json()) if response.status_code == 200 else None

    # ------------------------------------------------------------------ actions
    def get_user_current_date(self) -> Outcome:
        return True, self.current_date

    def get_user_current_location(self) -> Outcome:
        return True, self.current_location

    def get_projects(self) -> Outcome:
        return self._all_projects()

    def update_project(self, project_id: Any = None, is_favorite: Any = None) -> Outcome:
        params = {} if is_favorite is None else {"is_favorite": is_favorite}
        response = self._post(URLS["project"].format(project_id=project_id), params=params)
        if response.status_code != 200:
            return False, response.text
        project = clean_project(response.json())
        return True, {"message": "Update the project successfully.", "project": project}

    def get_tasks(self, project_id: Any = None) -> Outcome:
        response = self._get(URLS["tasks"], params={"project_id": project_id})
        if response.status_code != 200:
            return False, response.text
        return True, [clean_task(task) for task in response.json()]

    def get_task_description(self, task_id: Any = None) -> Outcome:
        response = self._get(URLS["task"].format(task_id=task_id))
        if response.status_code != 200:
            return False, response.text
        task = response.json()
        return True, {key: task[key] for key in ("id", "content", "description")}

    def get_task_duration(self, task_id: Any = None) -> Outcome:
        response = self._get(URLS["task"].format(task_id=task_id))
        if response.status_code != 200:
            return False, response.text
        task = response.json()
        duration = str(task["duration"]["amount"]) + "(" + task["duration"]["unit"] + ")"
        return True, {"id": task["id"], "content": task["content"], "duration": duration}

    def complete_task(self, task_id: Any = None) -> Outcome:
        task = self._existing_task(task_id)
        if task is None:
            return False, f"Task {task_id} is not exists."
        response = self._post(URLS["close_task"].format(task_id=task_id))
        if response.status_code != 204:
            return False, response.text
        task.pop("is_completed")
        return True, {"message": "Complete task successfully.", "task": task}

    def update_task(self, task_id: Any = None, due_date: Any = None) -> Outcome:
        url = URLS["task"].format(task_id=task_id)
        response = self._post(url, params={"due_date": due_date})
        if response.status_code != 200:
            return False, response.text
        task = clean_task(response.json())
        return True, {"message": "Update the task successfully", "task": task}

    def delete_task(self, task_id: Any = None) -> Outcome:
        task = self._existing_task(task_id)
        if task is None:
            return False, f"Task {task_id} is not exists."
        response = self.http.delete(URLS["task"].format(task_id=task_id), headers=self._headers)
        if response.status_code != 204:
            return False, response.text
        return True, {"message": "Delete the task successfully.", "task": task}
