"""ACBench's ground layer: what every other package builds on, importing none of them.

- :mod:`acbench_core.catalog` — the task catalog: each benchmark's lm-eval names, capability,
  headline and secondary metrics, data and whether it needs the agent wrapper;
- :mod:`acbench_core.data_sources` — where a benchmark's data comes from (Hub, local, sample);
- :mod:`acbench_core.models` — embedded model names such as ``acbench:smollm2``;
- :mod:`acbench_core.paths` — the lm-eval task folder and the local cache.

Above it: the capabilities (``acbench_tasks``, ``compressors``, ``acbench.analysis``,
``hub_publish``), then orchestration (``acbench.evaluate``, ``acbench.pipeline``,
``acbench.report``) and the command lines on top. Kept import-free.
"""
