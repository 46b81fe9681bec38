"""ACBench task code: data loading, prompt building, output parsing and scoring per benchmark.

One sub-package per benchmark (``worfbench``, ...); pieces shared by several benchmarks
(data sources, sentence-embedding matcher, bipartite matching, chat rendering) live in
``acbench_tasks.common``. The lm-eval YAML files that use them are in ``yaml_tasks/``.
"""
