"""AgentBoard's tool-task rules as pure functions: action format, progress, done, success.

From AgentBoard @ bb7255e (``agentboard/tasks/tool.py``, ``agentboard/environment/*_env.py``,
``agentboard/utils/tool/helpers.py``; spec ``realworld.md`` §2 "Tools"):

* the agent's message must match ``\\s*(.*?)\\s*with\\s*Action Input:\\s*(.*?)$`` (searched, no
  DOTALL); otherwise the observation is :data:`FORMAT_ERROR`;
* the input is a Python literal (AgentBoard ``eval``s it; we use ``ast.literal_eval``, so
  expressions such as ``1+1`` are refused where AgentBoard computed them);
* every tool call logs a *Subgoal* (its cleaned result, or ``Calling f with {...} failed``);
  progress = gold subgoals matched one-to-one by ``==`` among the logged ones / #gold, kept as a
  maximum over steps and not updated when the observation contains ``Invalid``; weather compares
  latitude/longitude dicts within 50 km (haversine) and the other keys by ``==``;
* sheet progress = equal cells over the overlapping rows × columns of the current grid and
  ``json.loads(answer)``;
* the episode is done when the full action text contains ``finish`` (sheet: any case) or
  ``Finish`` — in the tool name or anywhere in the input; success = done ∧ progress 1.0, and for
  todo problems of ``goal_type`` 1 also the account's final projects and tasks == ``answer``.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: AgentBoard's action pattern (``extract_action_name_and_action_input``), used with re.search.
ACTION_PATTERN = re.compile(r"\s*(.*?)\s*with\s*Action Input:\s*(.*?)$")
FORMAT_ERROR = (
    'Format error, please response in the format of  "Action: [your action] with Action Input: '
    "[your action input]"
)
INPUT_ERROR = "Parameters in action input are not valid, please change your action input."
ERROR_PREFIX = "ERROR | "
FINISH_REMINDER = (
    "Once you have finished the goal, please remember to take 'finish' action to end this goal."
)
#: The weather tool's longer first observation.
WEATHER_FIRST_OBSERVATION = (
    "If you want to get the latitude and longitude information of a city, you must call "
    '"get_latitude_longitude", do not generate it by yourself which maybe wrong. ' + FINISH_REMINDER
)
#: Error names that make AgentBoard's tool task give up on a problem (``contains_network_error``).
NETWORK_ERROR_NAMES = (
    "ConnectionError",
    "HTTPError",
    "HTTPSError",
    "TimeoutError",
    "SSLError",
    "ProxyError",
    "TooManyRedirects",
    "RequestException",
)
#: Earth radius of AgentBoard's ``is_same_location`` (km) and its threshold.
EARTH_RADIUS_KM = 6371.0
SAME_LOCATION_KM = 50.0


class ActionInputError(ValueError):
    """The Action Input is not a Python literal."""

    def __init__(self) -> None:
        super().__init__(INPUT_ERROR)


def first_observation(tool: str) -> str:
    """What the agent sees before its first action (AgentBoard ``tasks/tool.py``)."""
    return WEATHER_FIRST_OBSERVATION if tool == "weather" else FINISH_REMINDER


def split_action(message: str) -> tuple[str, str] | None:
    """``(action name, action input text)`` of a message, or ``None`` (a format error).

    Exactly what ``ACTION_PATTERN.search`` finds (AgentBoard's pattern), in linear time: the
    regular expression backtracks cubically over white space (1,000 spaces before an ``x`` take
    over a minute). Its ``\\s*`` before non-space literals cannot give anything back, so each
    start is decided by a scan of its line (``tests/test_agentboard_tools_rules.py`` compares
    both on random texts).
    """
    text = str(message)
    n = len(text)
    space_end = list(range(n + 1))  # first non-space position at or after i
    line_end = [n] * (n + 1)  # first newline at or after i
    for i in range(n - 1, -1, -1):
        if text[i].isspace():
            space_end[i] = space_end[i + 1]
        line_end[i] = i if text[i] == "\n" else line_end[i + 1]

    def action_input(k: int) -> str | None:
        """The input when ``\\s*with\\s*Action Input:\\s*(.*?)$`` matches at ``k``."""
        w = space_end[k]
        if not text.startswith("with", w):
            return None
        a = space_end[w + 4]
        if not text.startswith("Action Input:", a):
            return None
        b = space_end[a + 13]
        e = line_end[b]
        return text[b:e] if e == n or e == n - 1 else None

    start = space_end[0]  # every start inside a run of spaces reaches the same non-space
    while start < n:
        end = line_end[start]  # the name (lazy ``.*?``) stays on its line
        for k in range(start, end + 1):
            found = action_input(k)
            if found is not None:
                return text[start:k], found
        if end >= n:
            return None
        start = space_end[end]  # later starts on this line see fewer candidates: no match
    return None


def action_text(name: str, action_input: str) -> str:
    """The action string the environment receives (and ``finish`` is looked for in)."""
    return f"Action: {name} with Action Input: {action_input}"


def history_action(name: str, action_input: str) -> str:
    """How a well-formed action enters the agent's history (a format error enters as ``""``)."""
    return f"{name} with Action Input: {action_input}"


def parse_action_input(text: str) -> Any:
    """The Action Input as a Python value, through ``ast.literal_eval`` (never ``eval``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ActionInputError() from None


def error_observation(err: BaseException) -> str:
    """AgentBoard's observation for an exception: ``ERROR | KeyError('node')``."""
    return f"{ERROR_PREFIX}{type(err).__name__}({err})"


def failed_call_subgoal(function: str, kwargs: Mapping[str, Any]) -> str:
    """The Subgoal logged for a call that failed."""
    return f"Calling {function} with {dict(kwargs)} failed"


def is_valid_observation(observation: str) -> bool:
    """Grounding: a step counts as valid unless its observation starts ``ERROR | ``."""
    return not str(observation).startswith(ERROR_PREFIX)


def updates_progress(observation: Any) -> bool:
    """Progress is recomputed after a step unless the observation contains ``Invalid``."""
    return "Invalid" not in str(observation)


def contains_network_error(observation: str) -> bool:
    """True when AgentBoard's tool task would stop the problem here (a network failure)."""
    return any(name in str(observation) for name in NETWORK_ERROR_NAMES)


def is_done(action: str, tool: str) -> bool:
    """``finish`` anywhere in the full action text ends the episode (sheet: in any case)."""
    if tool == "sheet":
        return "finish" in action.lower()
    return "Finish" in action or "finish" in action


# ----------------------------------------------------------------------------- progress
def count_matched(gold: Sequence[Any], logged: Sequence[Any]) -> int:
    """Gold subgoals found among the logged ones, each logged one used at most once (``==``)."""
    remaining = list(logged)
    count = 0
    for subgoal in gold:
        if subgoal in remaining:
            remaining.remove(subgoal)
            count += 1
    return count


def haversine_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Great-circle distance (km) between two (latitude, longitude) points in degrees."""
    lat1, lon1 = map(math.radians, first)
    lat2, lon2 = map(math.radians, second)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return EARTH_RADIUS_KM * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def _has_location(value: Any) -> bool:
    return type(value) is dict and "latitude" in value and "longitude" in value


def same_place_result(gold: Mapping[str, Any], logged: Mapping[str, Any]) -> bool:
    """Weather results with coordinates: < 50 km apart and every other key equal."""
    near = haversine_km(
        (gold["latitude"], gold["longitude"]), (logged["latitude"], logged["longitude"])
    )
    rest = {k: v for k, v in gold.items() if k not in ("latitude", "longitude")}
    other = {k: v for k, v in logged.items() if k not in ("latitude", "longitude")}
    return near < SAME_LOCATION_KM and rest == other


def count_matched_weather(gold: Sequence[Any], logged: Sequence[Any]) -> int:
    """:func:`count_matched`; gold dicts with coordinates match by :func:`same_place_result`."""
    remaining = list(logged)
    count = 0
    for subgoal in gold:
        if _has_location(subgoal):
            for candidate in remaining:
                if _has_location(candidate) and same_place_result(subgoal, candidate):
                    remaining.remove(candidate)
                    count += 1
                    break
        elif subgoal in remaining:
            remaining.remove(subgoal)
            count += 1
    return count


def subgoal_progress(tool: str, gold: Sequence[Any], logged: Sequence[Any]) -> float:
    """Matched gold subgoals / #gold (academia, movie, weather, todo).

    AgentBoard divides by the number of gold subgoals; a problem without any raises there and
    the problem ends, which :class:`ZeroDivisionError` reproduces here.
    """
    matched = (
        count_matched_weather(gold, logged) if tool == "weather" else count_matched(gold, logged)
    )
    return matched / len(gold)


def sheet_match_score(grid: Any, gold: Sequence[Sequence[Any]]) -> float:
    """Equal cells / cells of the overlapping rows × columns (columns from the first rows).

    ``grid`` is the sheet as read after the step; a sheet that could not be read (no sheet
    open, a failed read) scores 0.
    """
    if not isinstance(grid, list):
        return 0.0
    rows = min(len(grid), len(gold))
    cols = min(len(grid[0]) if grid else 0, len(gold[0]) if gold else 0)
    total = rows * cols
    if not total:
        return 0.0
    equal = sum(grid[i][j] == gold[i][j] for i in range(rows) for j in range(cols))
    return equal / total


def sheet_answer(answer: Any) -> list[list[Any]]:
    """The gold grid of a sheet problem (``answer`` is a JSON string of a 2-D list)."""
    grid = json.loads(answer) if isinstance(answer, str) else answer
    if not isinstance(grid, list) or not all(isinstance(row, list) for row in grid):
        raise ValueError("a sheet answer must be a JSON 2-D list")
    return grid


def is_success(
    done: bool,
    progress: float,
    *,
    tool: str,
    goal_type: Any = 0,
    final_status: Any = None,
    answer: Any = None,
) -> bool:
    """done ∧ progress 1.0; todo problems of ``goal_type`` 1 also need status == answer."""
    if not done:
        return False
    if tool == "todo" and goal_type == 1:
        return final_status == answer and progress == 1.0
    return progress == 1.0
