"""Tool-Operation (ACBench §12): change the state of apps with tools.

``problem_set: agentboard`` (the default) plays AgentBoard's 40 problems on its own tools (a
Todoist account, Google Sheets copies; :mod:`acbench_tasks.agentboard.tools`). The ``sample`` and
``generated`` sets are ours, not comparable with the paper: two apps, a todo list and a
spreadsheet, both filled from the problem's seed. Each problem's annotated subgoals are checks on
the final state (a todo completed, a cell holding a value, ...); progress rate = share of checks
that hold (the runner keeps the best point of the episode), success = all of them. ``finish`` ends
the episode.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Mapping
from typing import Any

from acbench_tasks.agentboard.tools.offline import Tool, ToolEnvironment, normalize_answer

_CHORES = [
    "Buy milk",
    "Call the plumber",
    "Renew passport",
    "Book dentist",
    "Water plants",
    "Pay rent",
    "Send invoice",
    "Fix bike",
    "Return library books",
    "Clean garage",
]
_ITEMS = ["Laptop", "Desk", "Chair", "Monitor", "Printer", "Headphones", "Router", "Lamp"]
_CATEGORIES = ["office", "hardware", "furniture"]
_STUDENTS = ["Alice", "Bilal", "Carmen", "Dmitri", "Esme", "Farid", "Greta", "Hugo"]
_DATES = [f"2024-06-{d:02d}" for d in range(3, 29, 3)]
_CELL_RE = re.compile(r"^([A-Z])([1-9][0-9]*)$")


def initial_state(seed: int) -> dict[str, Any]:
    """Todos and two sheets (Budget, Grades) drawn from ``seed``."""
    rng = random.Random(seed)
    todos = [
        {"id": i, "title": title, "due": rng.choice(_DATES), "done": i > 2 and rng.random() < 0.4}
        for i, title in enumerate(rng.sample(_CHORES, 5), 1)
    ]
    budget = [["Item", "Cost", "Category"]]
    for item in rng.sample(_ITEMS, 4):
        budget.append([item, str(rng.randint(20, 900)), rng.choice(_CATEGORIES)])
    grades = [["Name", "Score"]] + [
        [s, str(rng.randint(40, 100))] for s in rng.sample(_STUDENTS, 4)
    ]
    return {"todos": todos, "sheets": {"Budget": budget, "Grades": grades}}


def _act(tool: str, **args: Any) -> str:
    return f"{tool} with Action Input: {json.dumps(args)}"


def _check(kind: str, **args: Any) -> dict[str, Any]:
    return {"check": kind, **args}


def make_problem(seed: int, kind: int) -> dict[str, Any]:
    """One problem of template ``kind`` (0-5) on the state drawn from ``seed``."""
    rng = random.Random(seed * 7 + kind)
    state = initial_state(seed)
    todos, budget, grades = state["todos"], state["sheets"]["Budget"], state["sheets"]["Grades"]
    open_todos = [t for t in todos if not t["done"]]  # at least two: see initial_state
    if kind == 0:
        todo = rng.choice(open_todos)
        goal = f"Mark the todo '{todo['title']}' as completed."
        checks = [_check("todo_done", title=todo["title"])]
        plan = [_act("complete_todo", id=todo["id"])]
    elif kind == 1:
        title, due = (
            rng.choice([c for c in _CHORES if c not in {t["title"] for t in todos}]),
            rng.choice(_DATES),
        )
        goal = f"Add a todo '{title}' due {due}, and mark '{open_todos[0]['title']}' as completed."
        checks = [
            _check("todo_exists", title=title, due=due),
            _check("todo_done", title=open_todos[0]["title"]),
        ]
        plan = [
            _act("add_todo", title=title, due=due),
            _act("complete_todo", id=open_todos[0]["id"]),
        ]
    elif kind == 2:
        todo = rng.choice(todos)
        due = rng.choice([d for d in _DATES if d != todo["due"]])
        goal = f"Change the due date of the todo '{todo['title']}' to {due}."
        checks = [_check("todo_exists", title=todo["title"], due=due)]
        plan = [_act("set_due", id=todo["id"], due=due)]
    elif kind == 3:
        row = rng.randrange(1, len(budget))
        value = str(rng.choice([v for v in range(20, 901) if str(v) != budget[row][1]]))
        goal = f"In the Budget sheet, set the cost of '{budget[row][0]}' to {value}."
        checks = [_check("cell", sheet="Budget", cell=f"B{row + 1}", value=value)]
        plan = [_act("update_cell", sheet="Budget", cell=f"B{row + 1}", value=value)]
    elif kind == 4:
        name = rng.choice([s for s in _STUDENTS if s not in {r[0] for r in grades}])
        score = str(rng.randint(40, 100))
        goal = f"Add a row for {name} with score {score} to the Grades sheet."
        checks = [_check("row", sheet="Grades", values=[name, score])]
        plan = [_act("append_row", sheet="Grades", values=[name, score])]
    else:
        top = max(budget[1:], key=lambda r: int(r[1]))
        due = rng.choice(_DATES)
        goal = (
            f"Find the most expensive item in the Budget sheet and add a todo 'Pay for <item>' "
            f"(with the item's name) due {due}; also write 'checked' in cell D1 of Budget."
        )
        checks = [
            _check("todo_exists", title=f"Pay for {top[0]}", due=due),
            _check("cell", sheet="Budget", cell="D1", value="checked"),
        ]
        plan = [
            _act("read_sheet", sheet="Budget"),
            _act("add_todo", title=f"Pay for {top[0]}", due=due),
            _act("update_cell", sheet="Budget", cell="D1", value="checked"),
        ]
    plan.append(_act("finish"))
    return {
        "id": f"op-{seed:02d}-{kind}",
        "seed": seed,
        "goal": goal,
        "checks": checks,
        "solution": plan,
    }


PROBLEM_SETS = {
    "sample": lambda: [make_problem(50, 0), make_problem(51, 5)],
    "default": lambda: [make_problem(seed, seed % 6) for seed in range(1, 41)],
}

EXAMPLE = """Goal: Mark the todo 'Fix bike' as completed.
Observation: Apps are ready: a todo list and a spreadsheet (sheets: Budget, Grades).
Action: list_todos with Action Input: {}
Observation: [{"id": 1, "title": "Fix bike", "due": "2024-06-09", "done": false}]
Action: complete_todo with Action Input: {"id": 1}
Observation: Todo 1 marked as completed.
Action: finish with Action Input: {}
Observation: Finished."""


class ToolOperationEnvironment(ToolEnvironment):
    """A todo list and a spreadsheet to operate on."""

    name = "tool_operation"
    problem_sets = PROBLEM_SETS
    description = "You operate two apps with tools: a todo list and a spreadsheet."
    example = EXAMPLE
    tools = (
        Tool("list_todos", "All todos with id, title, due date and status."),
        Tool("add_todo", "Add a todo.", ("title",), ("due",)),
        Tool("complete_todo", "Mark a todo (by id) as completed.", ("id",)),
        Tool("delete_todo", "Delete a todo by id.", ("id",)),
        Tool("set_due", "Change the due date (YYYY-MM-DD) of a todo.", ("id", "due")),
        Tool("list_sheets", "Names of the sheets."),
        Tool("read_sheet", "All rows of a sheet (row 1 is the header).", ("sheet",)),
        Tool("update_cell", "Write a value into a cell such as B3.", ("sheet", "cell", "value")),
        Tool("append_row", "Append a row (a list of values) to a sheet.", ("sheet", "values")),
        Tool("finish", "Stop when the task is done."),
    )

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.state = initial_state(int(problem.get("seed", 0)))

    def reset(self) -> str:
        self.state = copy.deepcopy(initial_state(int(self.problem.get("seed", 0))))
        return "Apps are ready: a todo list and a spreadsheet (sheets: Budget, Grades)."

    # ---------------------------------------------------------------- subgoal checks
    def holds(self, check: Mapping[str, Any]) -> bool:
        kind = check.get("check")
        same = lambda a, b: normalize_answer(a) == normalize_answer(b)  # noqa: E731
        if kind == "todo_done":
            return any(same(t["title"], check["title"]) and t["done"] for t in self.state["todos"])
        if kind == "todo_exists":
            return any(
                same(t["title"], check["title"]) and t.get("due") == check.get("due")
                for t in self.state["todos"]
            )
        if kind == "cell":
            return same(self._cell(check["sheet"], check["cell"]), check["value"])
        if kind == "row":
            rows = self.state["sheets"].get(check["sheet"], [])
            return any(
                [normalize_answer(v) for v in row] == [normalize_answer(v) for v in check["values"]]
                for row in rows
            )
        return False

    def progress(self) -> float:
        checks = self.problem.get("checks", [])
        return sum(self.holds(c) for c in checks) / len(checks) if checks else 0.0

    # ---------------------------------------------------------------- tools
    def _todo(self, ident: Any) -> dict[str, Any] | None:
        return next((t for t in self.state["todos"] if str(t["id"]) == str(ident).strip()), None)

    def _sheet(self, name: Any) -> list[list[str]] | None:
        return next(
            (
                rows
                for n, rows in self.state["sheets"].items()
                if n.lower() == str(name).strip().lower()
            ),
            None,
        )

    def _cell(self, sheet: Any, cell: Any) -> str:
        rows = self._sheet(sheet)
        match = _CELL_RE.match(str(cell).strip().upper())
        if rows is None or match is None:
            return ""
        row, col = int(match.group(2)) - 1, ord(match.group(1)) - ord("A")
        return rows[row][col] if row < len(rows) and col < len(rows[row]) else ""

    def tool_list_todos(self) -> Any:
        return self.state["todos"]

    def tool_add_todo(self, title: Any, due: Any = None) -> str:
        ident = max((t["id"] for t in self.state["todos"]), default=0) + 1
        self.state["todos"].append(
            {
                "id": ident,
                "title": str(title),
                "due": None if due is None else str(due),
                "done": False,
            }
        )
        return f"Added todo {ident}: {title}."

    def tool_complete_todo(self, id: Any) -> str:
        todo = self._todo(id)
        if todo is None:
            return f"Error: no todo with id {id}."
        todo["done"] = True
        return f"Todo {todo['id']} marked as completed."

    def tool_delete_todo(self, id: Any) -> str:
        todo = self._todo(id)
        if todo is None:
            return f"Error: no todo with id {id}."
        self.state["todos"].remove(todo)
        return f"Deleted todo {todo['id']}."

    def tool_set_due(self, id: Any, due: Any) -> str:
        todo = self._todo(id)
        if todo is None:
            return f"Error: no todo with id {id}."
        todo["due"] = str(due)
        return f"Todo {todo['id']} is now due {due}."

    def tool_list_sheets(self) -> Any:
        return sorted(self.state["sheets"])

    def tool_read_sheet(self, sheet: Any) -> Any:
        rows = self._sheet(sheet)
        return rows if rows is not None else f"Error: no sheet named '{sheet}'."

    def tool_update_cell(self, sheet: Any, cell: Any, value: Any) -> str:
        rows = self._sheet(sheet)
        match = _CELL_RE.match(str(cell).strip().upper())
        if rows is None or match is None:
            return f"Error: no cell {cell} in sheet '{sheet}'."
        row, col = int(match.group(2)) - 1, ord(match.group(1)) - ord("A")
        if row > len(rows) + 10 or col > 10:
            return f"Error: cell {cell} is outside the sheet."
        while len(rows) <= row:
            rows.append([])
        rows[row].extend([""] * (col + 1 - len(rows[row])))
        rows[row][col] = str(value)
        return f"{str(cell).upper()} = {value}."

    def tool_append_row(self, sheet: Any, values: Any) -> str:
        rows = self._sheet(sheet)
        if rows is None:
            return f"Error: no sheet named '{sheet}'."
        if not isinstance(values, list):
            raise ValueError("values must be a list")
        rows.append([str(v) for v in values])
        return f"Appended row {len(rows)} to {sheet}."

    def tool_finish(self) -> str:
        return "Finished."
