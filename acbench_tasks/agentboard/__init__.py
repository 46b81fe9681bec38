"""Real-world agent tasks (ACBench §7–12): multi-turn environments played inside lm-eval.

* :mod:`.base` — the environment interface (reset → observation, step → StepResult), registries;
* :mod:`.vanilla_agent` — AgentBoard's vanilla agent: prompt layout, ACBench's chat wrap,
  AgentBoard's action parser (``protocol: acbench``) and our corrected agent (``clean``);
* :mod:`.runner` — episodes in lockstep, one batched generation call per step;
* :mod:`.lm` — ``--model acbench-agent``, which wraps any lm-eval model and plays the episodes;
* :mod:`.task` — the lm-eval task class and dataset loader used by ``yaml_tasks/agentboard``;
* :mod:`.data` (AgentBoard's problems) and :mod:`.upstream` (AgentBoard's prompts and PDDL
  files, ACBench's chat wrappers), read at run time at pinned revisions;
* AgentBoard's environments on its problems (``problem_set: agentboard``, the default):
  :mod:`.ab_alfworld`, :mod:`.ab_scienceworld`, :mod:`.ab_jericho`, :mod:`.ab_pddl`;
* our own offline worlds (``problem_set: sample``/``generated``): :mod:`.household`
  (AlfWorld-style), :mod:`.scienceworld_env`, :mod:`.text_games` (TextWorld), :mod:`.pddl_env`
  (+ :mod:`.pddl_problems`), :mod:`.tool_query`, :mod:`.tool_operation` (on :mod:`.tools`).
"""
