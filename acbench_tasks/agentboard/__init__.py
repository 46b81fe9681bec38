"""Real-world agent tasks (ACBench §7–12): multi-turn environments played inside lm-eval.

* :mod:`.base` — the environment interface (reset → observation, step → StepResult) and registry;
* :mod:`.prompt` — the paper's act-only agent prompt, history trimming, action parsing;
* :mod:`.runner` — episodes in lockstep, one batched generation call per step;
* :mod:`.lm` — ``--model acbench-agent``, which wraps any lm-eval model and plays the episodes;
* :mod:`.task` — the lm-eval task class and dataset loader used by ``yaml_tasks/agentboard``;
* environments: :mod:`.household` (AlfWorld-style), :mod:`.scienceworld_env`,
  :mod:`.text_games` (Jericho / TextWorld), :mod:`.pddl_env` (+ :mod:`.pddl_problems`),
  :mod:`.tool_query`, :mod:`.tool_operation` (on :mod:`.tools`).
"""
