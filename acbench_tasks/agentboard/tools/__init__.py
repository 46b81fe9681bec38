"""AgentBoard's five tools (Tool-Query: academia, weather, movie; Tool-Operation: todo, sheet).

* :mod:`.rules` — AgentBoard's action format, progress, done and success rules (pure functions);
* :mod:`.base` — the call table and call log shared by the tools; :mod:`.environment` — one
  problem as an episode (AgentBoard's step logic);
* one module per tool: :mod:`.academia` (offline, AgentBoard's graphs), :mod:`.weather`
  (Open-Meteo), :mod:`.movie` (TMDB), :mod:`.todo` (Todoist), :mod:`.sheet` (Google Sheets,
  signed in by :mod:`.google_auth`); live calls go through
  :mod:`acbench_tasks.common.http_replay`, which can record and replay them;
* :mod:`.offline` — the machinery of our own simulated tool worlds (``problem_set: sample``).
"""

from acbench_tasks.agentboard.tools.offline import (
    Tool,
    ToolEnvironment,
    answer_matches,
    call_key,
    normalize_answer,
    parse_call,
)

__all__ = [
    "Tool",
    "ToolEnvironment",
    "answer_matches",
    "call_key",
    "normalize_answer",
    "parse_call",
]
