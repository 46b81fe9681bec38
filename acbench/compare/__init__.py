"""``acbench compare``: its output formats (:mod:`.formats`) and command (:mod:`.cli`).

The results model and the comparison itself live in the ground layer,
:mod:`acbench_core.results` and :mod:`acbench_core.comparison`, so that the model card and the
report use them without importing a command-line module.
"""
