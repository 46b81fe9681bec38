"""ACBench's lm-eval task definitions (YAML), shipped as package data.

lm-eval indexes this folder like its own ``lm_eval/tasks``. Point lm-eval at it explicitly with
``--include_path "$(python -m acbench tasks-path)"``.
"""
